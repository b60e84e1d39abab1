"""Deployment helpers: systemd notifications (Qt-free) and the recovery screen.

``kiosk.deploy.systemd`` has no dependencies; ``python -m kiosk.deploy.recovery`` is a
separate, minimal Qt program that the service manager shows after repeated failures.
See ``packaging/README.md``.
"""
