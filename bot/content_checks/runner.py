"""Runs every check on a project folder: files first, then our rules, then Rasa's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.content_checks.dialogue import IntentUse, read_dialogue
from bot.content_checks.domain import Domain, read_domain
from bot.content_checks.faq import FaqFile, FaqRules, check_faq_rules, read_faq
from bot.content_checks.findings import Finding, Location, error, sort_key, warning
from bot.content_checks.nlu import Example, NluFile, check_regexes, read_nlu
from bot.content_checks.rasa_validation import RasaReport, rasa_findings, run_rasa_validator
from bot.content_checks.responses import check_responses
from bot.content_checks.rules import (
    DEFAULT_MIN_EXAMPLES,
    check_duplicate_examples,
    check_example_counts,
    check_intent_names,
)
from bot.content_checks.yaml_files import YamlFile, line_of, load_yaml, project_yaml_files

DEFAULT_MIN_FAQ_QUESTIONS = 8
FAQ_DIR = "data/faq/"
NLU_DIR = "data/nlu/"
TRAINING_KEYS = ("nlu", "rules", "stories", "responses")
TRAINING_FILE_KEYS = {"version", *TRAINING_KEYS}


def default_seeds_dir(root: Path) -> Path | None:
    """The help articles beside the project (../shared/seeds), when they are there."""
    seeds = root.resolve().parent / "shared" / "seeds"
    return seeds if seeds.is_dir() else None


@dataclass(frozen=True)
class Options:
    min_examples: int = DEFAULT_MIN_EXAMPLES
    min_faq_questions: int = DEFAULT_MIN_FAQ_QUESTIONS
    # None: ../shared/seeds beside the project when it exists, else no article check.
    seeds_dir: Path | None = None
    run_rasa: bool = True


@dataclass
class Content:
    """What could be read of the project's files."""

    files: list[YamlFile] = field(default_factory=list)
    domain: Domain | None = None
    nlu_files: list[NluFile] = field(default_factory=list)
    faq_files: list[FaqFile] = field(default_factory=list)
    intent_uses: list[IntentUse] = field(default_factory=list)

    @property
    def faq_keys(self) -> set[str]:
        return {item.key for f in self.faq_files for item in f.items}

    def examples(self) -> list[Example]:
        """Intent examples and FAQ questions, in the order of the files."""
        by_file: dict[str, list[Example]] = {}
        for nlu_file in self.nlu_files:
            by_file.setdefault(nlu_file.rel, []).extend(nlu_file.examples())
        for faq_file in self.faq_files:
            by_file.setdefault(faq_file.rel, []).extend(faq_file.examples())
        return [e for rel in sorted(by_file) for e in by_file[rel]]


@dataclass
class Result:
    findings: list[Finding]
    rasa: RasaReport | None = None

    @property
    def errors(self) -> list[Finding]:
        return sorted((f for f in self.findings if f.is_error), key=sort_key)

    @property
    def warnings(self) -> list[Finding]:
        return sorted((f for f in self.findings if not f.is_error), key=sort_key)


def _read_training_file(yf: YamlFile, content: Content) -> list[Finding]:
    document = yf.data
    if not isinstance(document, dict):
        return [error("file.not_mapping", yf.at(1))]
    findings = [
        error("file.unknown_top_key", yf.at(line_of(document, key)), key=str(key))
        for key in document
        if key not in TRAINING_FILE_KEYS
    ]
    if "version" in document and not isinstance(document["version"], str):
        findings.append(error("file.version_not_text", yf.at(line_of(document, "version"))))
    if "nlu" in document or yf.rel.startswith(NLU_DIR):
        nlu_file, problems = read_nlu(yf)
        content.nlu_files.append(nlu_file)
        findings += problems
    if "rules" in document or "stories" in document:
        uses, problems = read_dialogue(yf)
        content.intent_uses += uses
        findings += problems
    if not any(key in document for key in TRAINING_KEYS):
        findings.append(warning("file.not_training_data", yf.at(1)))
    return findings


def read_project(root: Path) -> tuple[Content, list[Finding]]:
    """Every YAML file read and its shape checked (syntax, encoding, schema)."""
    content = Content()
    findings: list[Finding] = []
    faq_keys_seen: dict[str, Location] = {}
    for path in project_yaml_files(root):
        yf, problems = load_yaml(path, root)
        findings += problems
        content.files.append(yf)
        if not yf.readable or yf.data is None:
            continue
        if yf.rel == "domain.yml":
            content.domain, problems = read_domain(yf)
        elif yf.rel == "config.yml":
            problems = [] if isinstance(yf.data, dict) else [error("file.not_mapping", yf.at(1))]
        elif yf.rel.startswith(FAQ_DIR):
            faq_file, problems = read_faq(yf, faq_keys_seen)
            content.faq_files.append(faq_file)
        else:
            problems = _read_training_file(yf, content)
        findings += problems
    return content, findings


def check_content(content: Content, options: Options, seeds_dir: Path | None) -> list[Finding]:
    """Our rules, on whatever could be read."""
    findings = check_regexes(content.nlu_files)
    findings += check_duplicate_examples(content.examples())
    findings += check_faq_rules(content.faq_files, FaqRules(options.min_faq_questions, seeds_dir))
    domain = content.domain
    # Without the domain's intents every name would look unknown: say nothing then.
    if domain is not None and domain.intents_read:
        faq_keys = content.faq_keys
        findings += check_example_counts(domain, content.nlu_files, options.min_examples)
        findings += check_intent_names(
            domain, content.nlu_files, [*content.intent_uses, *domain.slot_intents], faq_keys
        )
        findings += check_responses(domain, faq_keys)
    return findings


def validate_project(root: Path, options: Options | None = None) -> Result:
    """All checks of `eva validate` on the project in `root`."""
    options = options or Options()
    root = root.resolve()
    content, findings = read_project(root)
    unreadable = any(f.is_error for f in findings)
    seeds_dir = options.seeds_dir or default_seeds_dir(root)
    findings += check_content(content, options, seeds_dir)
    result = Result(findings)
    if options.run_rasa:
        if unreadable:
            findings.append(warning("rasa.skipped"))
        else:
            result.rasa = run_rasa_validator(root)
            findings += rasa_findings(result.rasa)
    return result
