"""Problems a user can fix, and how they are worded: one line each (``main`` prints it, exit status 2)."""


class UsageError(Exception):
    """A problem the user can fix: reported as one line, exit status 2."""


def one_line(error):
    """The error's message on one line (its type's name when it has none)."""
    text = " ".join(str(error).split())
    return text or type(error).__name__


def resolve_backend(name):
    """``get_backend(name)``; a backend that cannot be had (no CuPy, no device) is a usage error."""
    from ..backends import get_backend

    try:
        return get_backend(name)
    except ValueError as error:
        raise UsageError(error) from None
