"""Test-wide settings."""

import os

from hypothesis import settings

# Property tests explore randomly on a developer's machine; in CI they replay a fixed sequence, so a
# red CI run always means a change broke something, never an unlucky draw.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
