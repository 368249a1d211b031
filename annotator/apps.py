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

        for model in (Token, get_user_model()):
            post_save.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-save-{model.__name__}"
            )
            post_delete.connect(
                forget_tokens, sender=model, dispatch_uid=f"forget-tokens-delete-{model.__name__}"
            )
