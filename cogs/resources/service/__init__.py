"""The resource library's use cases: search (finding), curation (suggest, review, edit), catalog (the
library as a whole: start-up sync, starter resources, bulk files). Each opens one unit of work."""
