"""What people use directly: the command line, the trainer's page and an incident's story. Nothing
else in gridsim imports this layer."""
