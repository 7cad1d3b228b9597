"""The coalition bot's runtime: settings, the Bot class, the command tree, checks and the scheduler."""
