"""Container logs: streams (httpx, follow, resume), multi-pod merge, ring buffer, filter, sanitising, saving.

No Textual imports here: the log pane (``k8stui/ui/widgets/log_view.py``) reads the buffer these modules fill.
"""
