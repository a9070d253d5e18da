"""Container logs: streams (httpx, follow, resume), multi-pod merge with a bounded fan-out (``fanout.py``: at
most ``log_max_pods`` pods, the most relevant or the chosen ones), ring buffer, filter, level filter and search
index, structured lines (``structured.py``: JSON/logfmt detected per stream, parsed lazily), sanitising, saving.

No Textual imports here: the log pane (``k8stui/ui/widgets/log_view.py``) reads the buffer these modules fill.
"""
