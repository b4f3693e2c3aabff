"""The assistant's error hierarchy: every message is safe to show a user and says what to do."""


class AssistantError(Exception):
    """Base class for errors the assistant reports to users and scripts."""


class ConfigError(AssistantError):
    """A setting has an invalid value."""


class CorpusError(AssistantError):
    """The corpus folder or a document in it cannot be used."""


class IndexError_(AssistantError):
    """The search index is missing, stale beyond repair or damaged."""


class IndexCorruptedError(IndexError_):
    """The index directory exists but cannot be opened."""


class BackendError(AssistantError):
    """An optional generative backend failed or is not installed."""


class InputError(AssistantError):
    """A question or conversation history is malformed."""
