from django.apps import AppConfig


class AnnotatorConfig(AppConfig):
    name = "annotator"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from annotator import security  # noqa: F401 - connects the login failure counters
        from annotator.api.authentication import forget_tokens
        from annotator.labels import scheme_changed
        from annotator.models import Label, Layer

        for model in (Layer, Label):
            post_save.connect(
                scheme_changed, sender=model, dispatch_uid=f"scheme-changed-save-{model.__name__}"
            )
            post_delete.connect(
                scheme_changed, sender=model, dispatch_uid=f"scheme-changed-delete-{model.__name__}"
            )
        for model in (Token, get_user_model()):
            post_save.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-save-{model.__name__}"
            )
            post_delete.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-delete-{model.__name__}"
            )
