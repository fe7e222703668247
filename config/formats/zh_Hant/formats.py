# Taiwan groups digits by three with commas (NT$1,200; 1,234 公尺), where Django's
# zh_Hant writes 1200 and groups by four.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
MONTH_DAY_FORMAT = "n月j日"  # 3月2日, not 03月2日
