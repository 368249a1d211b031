"""Root URLconf: the browser UI, the REST API under /api/, and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from annotator import views, views_export, views_import, views_reports, views_suggestions, views_team
from annotator.converters import IdConverter
from annotator.security import RateLimitedAuthenticationForm

# Before any pattern uses it, including those in annotator.api.urls.
register_converter(IdConverter, "id")

ui_patterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<slug:slug>/", views.project_queue, name="project-queue"),
    path("projects/<slug:slug>/documents/<id:document_id>/", views.workspace, name="workspace"),
    path("projects/<slug:slug>/manage/", views_team.manage, name="project-manage"),
    path("projects/<slug:slug>/next/", views_team.queue_next, name="queue-next"),
    path("projects/<slug:slug>/agreement/", views_team.agreement, name="project-agreement"),
    path("projects/<slug:slug>/documents/<id:document_id>/curate/", views_team.curate, name="curate"),
    path("projects/<slug:slug>/suggestions/", views_suggestions.suggestion_job, name="suggestion-job"),
    path("projects/<slug:slug>/export/", views_export.export_page, name="export"),
    path("projects/<slug:slug>/suggestions/report/", views_reports.suggestions, name="suggestion-report"),
    path("projects/<slug:slug>/import/", views_import.import_page, name="import"),
]

urlpatterns = [
    path("api/", include("annotator.api.urls")),  # first: most requests are API calls
    path("", include((ui_patterns, "annotator"))),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=RateLimitedAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
