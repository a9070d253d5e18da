"""Interactive sessions with containers: exec/attach (``exec.py``), debug (``debug.py``), port-forwards
(``portforward.py``).

No Textual here. Every failure to start, and a session that ends in an error, is a ``SessionError`` whose
text is one line for the user (``.status`` has the HTTP code when there was one: 403 RBAC, 404 gone...).
How the UI wires them (all blocking calls run with the app suspended; nothing else needs a thread)::

    # shell: /bin/sh by default, or the command chosen in the dialog
    with app.suspend():
        code = interactive(conn, ExecTarget(ns, pod, container), ["/bin/sh"])
    # attach: with stdin/tty only if the container was started with them; Ctrl-P Ctrl-Q detaches,
    # Ctrl-C too when stdin is not attached
    stdin, tty = attach_mode(pod_obj, container)
    with app.suspend():
        code = interactive(conn, ExecTarget(ns, pod, container), attach=True, stdin=stdin, tty=tty)
    # debug: an ephemeral container (async, before suspending), then attach to it
    name = await add_debug_container(conn, ns, pod, image=DEFAULT_IMAGE, target=container)
    await wait_running(conn, ns, pod, name)
    with app.suspend():
        code = interactive(conn, ExecTarget(ns, pod, name), attach=True)
    # port-forward: one registry on the App; stop_all() when it quits
    forward = await forwards.start(conn, ns, pod, 8080, local_port=8080)   # or start_service(...)
    forward.stats.bytes_in, forward.stats.bytes_out, forward.stats.connections_open, forward.url
    await forwards.stop(forward.id)
"""

from .channel import SessionError
from .debug import DEFAULT_IMAGE, add_debug_container, attach_mode, wait_running
from .exec import DEFAULT_SHELL, ExecResult, ExecTarget, interactive, interactive_async, open_session, run
from .portforward import Forward, Forwards, ForwardStats, PortForwardError, resolve_service

__all__ = ["DEFAULT_IMAGE", "DEFAULT_SHELL", "ExecResult", "ExecTarget", "Forward", "ForwardStats", "Forwards",
           "PortForwardError", "SessionError", "add_debug_container", "attach_mode", "interactive",
           "interactive_async", "open_session", "resolve_service", "run", "wait_running"]
