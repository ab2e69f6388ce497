"""The error every loader raises for a clip whose media cannot be used."""


class MediaError(ValueError):
    """A clip's media cannot be used; the message names the file and the reason."""
