"""Inventory service: the sample application that golive takes live.

Run it with ``python -m app``; build an application object with
:func:`app.main.create_app`.
"""
