# English as read in Taiwan: day before month, and a 24-hour clock (Django's "en"
# is American: "March 2, 2026, 9 a.m.").
DATE_FORMAT = "j M Y"  # 2 Mar 2026
TIME_FORMAT = "H:i"  # 09:00
DATETIME_FORMAT = "j M Y, H:i"  # 2 Mar 2026, 09:00
MONTH_DAY_FORMAT = "j F"  # 2 March
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
