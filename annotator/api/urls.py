from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from annotator.api import audit, exports, imports, suggestion_jobs, team, views
from annotator.security import RateLimitedObtainAuthToken

urlpatterns = [
    path("auth/token/", RateLimitedObtainAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("projects/", views.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<slug:slug>/", views.ProjectDetailApi.as_view(), name="api-project"),
    path("projects/<slug:slug>/documents/", views.DocumentQueueApi.as_view(), name="api-queue"),
    path("projects/<slug:slug>/imports/", imports.ImportUploadApi.as_view(), name="api-imports"),
    path(
        "projects/<slug:slug>/imports/<str:task_id>/",
        imports.ImportStatusApi.as_view(),
        name="api-import-status",
    ),
    path("projects/<slug:slug>/exports/", exports.ExportListApi.as_view(), name="api-exports"),
    path(
        "projects/<slug:slug>/exports/<str:name>",
        exports.ExportDownloadApi.as_view(),
        name="api-export-download",
    ),
    path(
        "projects/<slug:slug>/suggestion-job/",
        suggestion_jobs.SuggestionJobApi.as_view(),
        name="api-suggestion-job",
    ),
    path(
        "projects/<slug:slug>/documents/<id:document_id>/",
        views.DocumentDetailApi.as_view(),
        name="api-document",
    ),
    path(
        "projects/<slug:slug>/documents/<id:document_id>/annotation-set/",
        views.MyAnnotationSetApi.as_view(),
        name="api-my-annotation-set",
    ),
    path("annotation-sets/<id:set_id>/", views.AnnotationSetDetailApi.as_view(), name="api-annotation-set"),
    path("annotation-sets/<id:set_id>/spans/", views.SpanCreateApi.as_view(), name="api-spans"),
    path("annotation-sets/<id:set_id>/spans/<id:span_id>/", views.SpanDetailApi.as_view(), name="api-span"),
    path("annotation-sets/<id:set_id>/relations/", views.RelationCreateApi.as_view(), name="api-relations"),
    path(
        "annotation-sets/<id:set_id>/relations/<id:relation_id>/",
        views.RelationDetailApi.as_view(),
        name="api-relation",
    ),
    path(
        "annotation-sets/<id:set_id>/document-labels/<slug:layer>/",
        views.DocumentLabelApi.as_view(),
        name="api-document-label",
    ),
    path("annotation-sets/<id:set_id>/comments/", views.CommentCreateApi.as_view(), name="api-comments"),
    path(
        "annotation-sets/<id:set_id>/comments/<id:comment_id>/",
        views.CommentDetailApi.as_view(),
        name="api-comment",
    ),
    path(
        "annotation-sets/<id:set_id>/suggestions/<id:suggestion_id>/accept/",
        views.SuggestionAcceptApi.as_view(),
        name="api-suggestion-accept",
    ),
    path(
        "annotation-sets/<id:set_id>/suggestions/<id:suggestion_id>/reject/",
        views.SuggestionRejectApi.as_view(),
        name="api-suggestion-reject",
    ),
    path(
        "annotation-sets/<id:set_id>/suggestions/accept-layer/",
        views.SuggestionAcceptLayerApi.as_view(),
        name="api-suggestions-accept-layer",
    ),
    path("annotation-sets/<id:set_id>/submit/", views.AnnotationSetSubmitApi.as_view(), name="api-submit"),
    path("annotation-sets/<id:set_id>/reopen/", views.AnnotationSetReopenApi.as_view(), name="api-reopen"),
    # Team workflow (annotator/api/team.py).
    path("projects/<slug:slug>/assign-next/", team.AssignNextApi.as_view(), name="api-assign-next"),
    path("projects/<slug:slug>/assignments/", team.AssignmentsApi.as_view(), name="api-assignments"),
    path("projects/<slug:slug>/assignments/unassign/", team.UnassignApi.as_view(), name="api-unassign"),
    path("projects/<slug:slug>/members/", team.MembersApi.as_view(), name="api-members"),
    path("projects/<slug:slug>/members/<str:username>/", team.MemberApi.as_view(), name="api-member"),
    path("projects/<slug:slug>/progress/", team.ProgressApi.as_view(), name="api-progress"),
    path("projects/<slug:slug>/audit/", audit.AuditListApi.as_view(), name="api-audit"),
    path("projects/<slug:slug>/agreement/", team.AgreementApi.as_view(), name="api-agreement"),
    path(
        "projects/<slug:slug>/documents/<id:document_id>/annotation-sets/",
        team.DocumentAnnotationSetsApi.as_view(),
        name="api-document-sets",
    ),
    path(
        "projects/<slug:slug>/documents/<id:document_id>/curation/",
        team.CurationApi.as_view(),
        name="api-curation",
    ),
    *[
        path(
            f"projects/<slug:slug>/documents/<id:document_id>/curation/{action}/",
            view.as_view(action=action),
            name=f"api-curation-{action}",
        )
        for view, action in [
            (team.CurationItemApi, "accept"),
            (team.CurationItemApi, "reject"),
            (team.CurationItemApi, "remove"),
            (team.CurationStatusApi, "submit"),
            (team.CurationStatusApi, "reopen"),
        ]
    ],
    path(
        "projects/<slug:slug>/documents/<id:document_id>/curation/add-span/",
        team.CurationSpanAddApi.as_view(),
        name="api-curation-add-span",
    ),
    path(
        "projects/<slug:slug>/documents/<id:document_id>/curation/add-relation/",
        team.CurationRelationAddApi.as_view(),
        name="api-curation-add-relation",
    ),
    path("annotation-sets/<id:set_id>/skip/", team.SkipApi.as_view(), name="api-skip"),
    path("annotation-sets/<id:set_id>/time/", team.TimeSpentApi.as_view(), name="api-time"),
]
