"""newsqa's answering layer and its faces (the CLI, later Discord and the eval harness)."""
