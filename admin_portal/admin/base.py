from functools import reduce
from operator import or_

from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from lots.models import Lot
from parking.plates import InvalidPlate, plate_spellings

from ..logs import shown
from ..scoping import lots_for


class ScopedAdmin(admin.ModelAdmin):
    """Shows only the rows `scope(user)` gives (one of admin_portal.scoping's helpers).

    Someone else's object is "not found" (404) on every page that takes an id:
    change, delete, history, and posting any of their forms.
    """

    scope = None  # staticmethod(scoping.…_for)

    def get_queryset(self, request):
        queryset = self.scope(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        # Our messages are kept as message ids and values (admin_portal.logs): worded
        # here in the reader's language, as Django words its own when shown.
        for entry in getattr(response, "context_data", {}).get("action_list", []):
            entry.change_message = shown(entry)
        return response

    def get_object(self, request, object_id, from_field=None):
        # Django's admin redirects with "… doesn't exist" for a missing id; we answer
        # 404 whether the object does not exist or belongs to someone else.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Lot:
            kwargs["queryset"] = lots_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            return
        # Write only what the form changed: the rest of the row may have moved on
        # since the form was read (a gate seen, a token revoked, a car counted).
        concrete = {field.name for field in obj._meta.concrete_fields}
        changed = [name for name in form.changed_data if name in concrete]
        if changed:
            auto_now = [
                field.name
                for field in obj._meta.concrete_fields
                if getattr(field, "auto_now", False)
            ]
            obj.save(update_fields=changed + auto_now)

    def confirm_action(
        self, request, queryset, *, action, title, question, items, confirm, hidden=None
    ):
        """The page asking to confirm a bulk action; its form posts the action again.

        `hidden`: more fields for that form to post (name: value), such as what the
        action should find unchanged when the answer arrives.
        """
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "question": question,
            "items": items,
            "confirm_label": confirm,
            "action": action,
            "queryset": queryset,
            "opts": self.opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "hidden": (hidden or {}).items(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin_portal/confirm_action.html", context)


def plate_search(term: str) -> Q | None:
    """Rows whose plate holds `term` as owners type it ("abc-1234" finds ABC1234), if a plate."""
    try:
        spellings = plate_spellings(term.strip())
    except InvalidPlate:
        return None
    found = Q()
    for spelling in sorted(spellings):
        found |= Q(plate__contains=spelling)
    return found


class PlateSearch:
    """Admin search that finds plates however they are typed, besides its search_fields."""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        plate = plate_search(search_term)  # None for an empty term too
        if plate is not None:
            found = found | self.found_by_plate(queryset, plate)
        return found, may_have_duplicates

    def found_by_plate(self, queryset, plate: Q):
        """The rows a plate search finds (`plate`: plate_search's condition)."""
        return queryset.filter(plate)


class TaiSearch:
    """Admin search in which 臺 and 台 are one character, besides its search_fields.

    They are, to whoever types: official names (the open data's lots, addresses)
    write 臺北, people type 台北, and a search for one found nothing of the other.
    Each word is matched against the search fields with both written as 台.
    """

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = search_term.replace("臺", "台").split()
        if not any("台" in word for word in words):
            return found, may_have_duplicates
        folded = {
            f"tai_{n}": Replace(F(field), Value("臺"), Value("台"))
            for n, field in enumerate(self.search_fields)
        }
        matches = queryset.annotate(**folded)
        for word in words:
            matches = matches.filter(
                reduce(or_, (Q(**{f"{name}__icontains": word}) for name in folded))
            )
        return found | queryset.filter(pk__in=matches.values("pk")), may_have_duplicates


class ReadOnlyScopedAdmin(ScopedAdmin):
    """For records (payments, gate events): nobody adds, changes or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def confirmed(request) -> bool:
    """Whether a bulk action's confirmation page was answered yes."""
    return request.POST.get("post") == "yes"
