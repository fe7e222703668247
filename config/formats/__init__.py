"""Date and number formats where Taiwan's usage differs from Django's (FORMAT_MODULE_PATH).

Only the names set here change; everything else comes from Django's own locale
formats. Times are on a 24-hour clock in every language, as signs and receipts
in Taiwan print them.
"""
