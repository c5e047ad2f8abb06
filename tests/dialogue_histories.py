"""Dialogue histories for checking replacements of Rasa's tracker functions against Rasa's:
every story and rule of the project, and a history that gets rewritten."""

from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    Event,
    FollowupAction,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.training_data.loading import load_data_from_files
from rasa.shared.core.training_data.structures import StoryGraph

from bot.stack import PROJECT_DIR


def project_domain() -> Domain:
    return Domain.load(str(PROJECT_DIR / "domain.yml"))


def _hidden(event: Event, hide: bool) -> Event:
    if not isinstance(event, ActionExecuted) or event.action_name == ACTION_LISTEN_NAME:
        return event
    return ActionExecuted(event.action_name, event.policy, event.confidence, hide_rule_turn=hide)


def story_histories(domain: Domain) -> list[list[Event]]:
    """The events of each story and rule, also with the rule turns hidden that the
    RulePolicy hides when it predicts them live."""
    steps = load_data_from_files(
        [str(PROJECT_DIR / "data" / part / f"{part}.yml") for part in ("stories", "rules")],
        domain,
    )
    generated = TrainingDataGenerator(
        StoryGraph(steps), domain, augmentation_factor=0, remove_duplicates=False
    ).generate()
    histories = []
    for tracker in generated:
        events = list(tracker.events)
        histories.append(events)
        histories.append([_hidden(event, index % 2 == 0) for index, event in enumerate(events)])
    return histories


def rewritten_history() -> list[Event]:
    """A form rejected and its message reverted, an action reverted, a pause, a follow-up
    action and a restart."""
    return [
        ActionExecuted("action_listen"),
        UserUttered("where is my order", {"name": "order_status"}),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        SlotSet("requested_slot", "order_id"),
        BotUttered("주문번호를 알려 주세요.", {"buttons": None}),
        ActionExecuted("action_listen"),
        UserUttered("asdf", {"name": "nlu_fallback"}),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecutionRejected("order_form"),
        ActionExecuted("action_default_fallback"),
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        UserUttered("8174420965301178", {"name": "inform"}),
        DefinePrevUserUtteredFeaturization(True),
        ActionExecuted("order_form"),
        SlotSet("order_id", "8174420965301178"),
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActionExecuted("order_form"),
        ActiveLoop(None),
        FollowupAction("action_listen"),
        ConversationPaused(),
        ActionExecuted("action_listen"),
        ConversationResumed(),
        Restarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet"}),
    ]
