from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotator.management.commands.agreement import table
from annotator.management.projects import project_for_command
from annotator.models import Project, TrainedModel
from annotator.services.training import DEFAULT_EPOCHS, PRIMARY_METRIC, model_train, training_kinds

METRICS = {
    TrainedModel.Kind.TEXTCAT: [("accuracy", "accuracy"), ("macro_f1", "macro-F1")],
    TrainedModel.Kind.SPANCAT: [("precision", "precision"), ("recall", "recall"), ("f1", "F1")],
}


class Command(BaseCommand):
    help = (
        "Train learned suggesters on the project's gold: a textcat for the stance and a spancat for the "
        "argument and rhetoric layers (CPU, offline). 20% of the gold (by content hash) is held out; "
        "a model becomes the project's suggester only if it scores higher than the rules there."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", help="Project slug.")
        parser.add_argument(
            "--kind",
            choices=["textcat", "spancat", "all"],
            default="all",
            help="What to train (default all).",
        )
        parser.add_argument(
            "--epochs",
            type=int,
            help=(
                f"Passes over the training gold (default {DEFAULT_EPOCHS[TrainedModel.Kind.TEXTCAT]} for "
                f"textcat, {DEFAULT_EPOCHS[TrainedModel.Kind.SPANCAT]} for spancat)."
            ),
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Run as a background task (settings.TASKS) and print its id instead of training here.",
        )

    def handle(self, *args, **options):
        project = project_for_command(options["project"])
        epochs = options["epochs"]
        if epochs is not None and epochs < 1:
            raise CommandError("--epochs must be at least 1.")
        if options["enqueue"]:
            from annotator.tasks import train_project

            result = train_project.enqueue(project.pk, options["kind"], epochs)
            self.stdout.write(f"Enqueued training for '{project.slug}' ({options['kind']}): task {result.id}")
            return

        trained = [self._train(project, kind, epochs) for kind in training_kinds(options["kind"])]
        ready = [t for t in trained if t.status == TrainedModel.Status.READY]
        if ready:
            self.stdout.write(self.render(project, ready))
        failed = [t for t in trained if t.status == TrainedModel.Status.FAILED]
        if failed:
            raise CommandError("\n".join(f"{t.kind} v{t.version} failed: {t.error}" for t in failed))

    def _train(self, project: Project, kind: str, epochs: int | None) -> TrainedModel:
        with tqdm(
            total=100, desc=f"Training {kind}", unit="%", disable=None, file=self.stderr, leave=True
        ) as bar:

            def advance(fraction: float) -> None:
                bar.update(round(fraction * 100) - bar.n)

            return model_train(project=project, kind=kind, epochs=epochs, on_progress=advance)

    def render(self, project: Project, trained: list[TrainedModel]) -> str:
        rows = []
        for model in trained:
            name = f"{model.kind} v{model.version}"
            for key, title in METRICS[TrainedModel.Kind(model.kind)]:
                rows.append((name, title, model.metrics[key], model.baseline_metrics[key]))
            for label, scores in model.metrics["per_label"].items():
                rules = model.baseline_metrics["per_label"].get(label, {}).get("f1", 0.0)
                rows.append((name, f"F1 {label} ({scores['support']})", scores["f1"], rules))
        lines = [
            f"Model vs rules on the held-out gold of '{project.slug}':",
            table(("trained", "metric", "model", "rules"), rows),
            "",
        ]
        for model in trained:
            primary = PRIMARY_METRIC[TrainedModel.Kind(model.kind)]
            verdict = (
                "active: it beats the rules, suggestions now use it"
                if model.is_active
                else "not used: it does not beat the rules"
            )
            lines.append(
                f"{model.kind} v{model.version}: {verdict} ({primary} {model.metrics[primary]:.3f} vs "
                f"{model.baseline_metrics[primary]:.3f}; {model.metrics['train_documents']} training, "
                f"{model.metrics['held_out_documents']} held-out documents). Saved in {model.path}"
            )
        return "\n".join(lines)
