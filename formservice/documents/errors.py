class DocumentError(ValueError):
    """A file that cannot be read as one of our forms. The message is Danish and says why."""
