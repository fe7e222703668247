"""No models of its own: the admin shows those of lots, parking and payments.

The module exists so that Django sends this app its post_migrate signal (see apps.py).
"""
