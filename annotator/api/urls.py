from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from annotator.api import audit, exports, imports, suggestion_jobs, team, views
from annotator.security import RateLimitedObtainAuthToken

# Grouped by prefix, so a request is matched against its own group only (the hot annotation-set
# routes first): resolving walked some 30 patterns per request before.
annotation_set_patterns = [
    path("spans/", views.SpanCreateApi.as_view(), name="api-spans"),
    path("spans/<id:span_id>/", views.SpanDetailApi.as_view(), name="api-span"),
    path("document-labels/<slug:layer>/", views.DocumentLabelApi.as_view(), name="api-document-label"),
    path("submit/", views.AnnotationSetSubmitApi.as_view(), name="api-submit"),
    path("", views.AnnotationSetDetailApi.as_view(), name="api-annotation-set"),
    path("relations/", views.RelationCreateApi.as_view(), name="api-relations"),
    path("relations/<id:relation_id>/", views.RelationDetailApi.as_view(), name="api-relation"),
    path("comments/", views.CommentCreateApi.as_view(), name="api-comments"),
    path("comments/<id:comment_id>/", views.CommentDetailApi.as_view(), name="api-comment"),
    path(
        "suggestions/<id:suggestion_id>/accept/",
        views.SuggestionAcceptApi.as_view(),
        name="api-suggestion-accept",
    ),
    path(
        "suggestions/<id:suggestion_id>/reject/",
        views.SuggestionRejectApi.as_view(),
        name="api-suggestion-reject",
    ),
    path(
        "suggestions/accept-layer/",
        views.SuggestionAcceptLayerApi.as_view(),
        name="api-suggestions-accept-layer",
    ),
    path("reopen/", views.AnnotationSetReopenApi.as_view(), name="api-reopen"),
    # Team workflow (annotator/api/team.py).
    path("skip/", team.SkipApi.as_view(), name="api-skip"),
    path("time/", team.TimeSpentApi.as_view(), name="api-time"),
]

document_patterns = [
    path("", views.DocumentDetailApi.as_view(), name="api-document"),
    path("annotation-set/", views.MyAnnotationSetApi.as_view(), name="api-my-annotation-set"),
    path("workspace/", views.DocumentWorkspaceApi.as_view(), name="api-document-workspace"),
    path("annotation-sets/", team.DocumentAnnotationSetsApi.as_view(), name="api-document-sets"),
    path("curation/", team.CurationApi.as_view(), name="api-curation"),
    *[
        path(f"curation/{action}/", view.as_view(action=action), name=f"api-curation-{action}")
        for view, action in [
            (team.CurationItemApi, "accept"),
            (team.CurationItemApi, "reject"),
            (team.CurationItemApi, "remove"),
            (team.CurationStatusApi, "submit"),
            (team.CurationStatusApi, "reopen"),
        ]
    ],
    path("curation/add-span/", team.CurationSpanAddApi.as_view(), name="api-curation-add-span"),
    path("curation/add-relation/", team.CurationRelationAddApi.as_view(), name="api-curation-add-relation"),
]

project_patterns = [
    path("", views.ProjectDetailApi.as_view(), name="api-project"),
    path("documents/", views.DocumentQueueApi.as_view(), name="api-queue"),
    path("imports/", imports.ImportUploadApi.as_view(), name="api-imports"),
    path("imports/<str:task_id>/", imports.ImportStatusApi.as_view(), name="api-import-status"),
    path("exports/", exports.ExportListApi.as_view(), name="api-exports"),
    path("exports/<str:name>", exports.ExportDownloadApi.as_view(), name="api-export-download"),
    path("suggestion-job/", suggestion_jobs.SuggestionJobApi.as_view(), name="api-suggestion-job"),
    # Team workflow (annotator/api/team.py).
    path("assign-next/", team.AssignNextApi.as_view(), name="api-assign-next"),
    path("assignments/", team.AssignmentsApi.as_view(), name="api-assignments"),
    path("assignments/unassign/", team.UnassignApi.as_view(), name="api-unassign"),
    path("members/", team.MembersApi.as_view(), name="api-members"),
    path("members/<str:username>/", team.MemberApi.as_view(), name="api-member"),
    path("progress/", team.ProgressApi.as_view(), name="api-progress"),
    path("audit/", audit.AuditListApi.as_view(), name="api-audit"),
    path("agreement/", team.AgreementApi.as_view(), name="api-agreement"),
]

urlpatterns = [
    path("annotation-sets/<id:set_id>/", include(annotation_set_patterns)),
    path("projects/<slug:slug>/documents/<id:document_id>/", include(document_patterns)),
    path("projects/<slug:slug>/", include(project_patterns)),
    path("projects/", views.ProjectListApi.as_view(), name="api-projects"),
    path("auth/token/", RateLimitedObtainAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
