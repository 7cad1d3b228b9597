"""Demo scenes, one per feature: each module has `async def run(demo)`."""
