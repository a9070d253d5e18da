"""Interactive sessions with containers: exec/attach (``exec.py``) and port-forwards (``portforward.py``).

No Textual here. The UI runs ``interactive(...)`` inside ``App.suspend()`` for shell, attach and debug, and
keeps one ``Forwards`` registry for port-forwards (stopped when the app quits). Every failure to start or a
session that ends in an error is a ``SessionError`` whose text is one line for the user.
"""

from .channel import SessionError
from .debug import DEFAULT_IMAGE, add_debug_container, attach_mode, wait_running
from .exec import DEFAULT_SHELL, ExecResult, ExecTarget, interactive, interactive_async, open_session, run
from .portforward import Forward, Forwards, ForwardStats, PortForwardError, resolve_service

__all__ = ["DEFAULT_IMAGE", "DEFAULT_SHELL", "ExecResult", "ExecTarget", "Forward", "ForwardStats", "Forwards",
           "PortForwardError", "SessionError", "add_debug_container", "attach_mode", "interactive",
           "interactive_async", "open_session", "resolve_service", "run", "wait_running"]
