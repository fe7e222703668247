"""Django's own admin phrases, worded again for Taiwan (locale/zh_Hant).

Django's zh_Hant catalogue reads oddly in places that every owner sees: a
simplified character (「成功删除了」), a typo (「已確保」 for 「以確保」), word
orders translated word for word (「選擇 在場車輛 來修改」, 「以 繳費狀態」) and
you and you-polite (你/您) side by side. Our catalogue comes first
(LOCALE_PATHS), so an entry for the same message id there wins. The ids are
listed here only so that `make makemessages` keeps them in our catalogue; this
module is never imported. tests/test_i18n_catalogues.py checks that each is
still one of Django's, so an upgrade that rewords one is noticed.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_MESSAGES = [
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("Deletion"),
    gettext_noop("Select %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop(" By %(filter_title)s "),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? '
        "All of the following related items will be deleted:"
    ),
    gettext_noop(
        "Please enter your old password, for security’s sake, and then enter your new "
        "password twice so we can verify you typed it in correctly."
    ),
]
