"""Answers a person gives, one script per branch of the request, with the consent it leads to."""

from __future__ import annotations

from tests.walker import Script

COMMON: Script = {
    "problems": "Jag orkar inte gå till skolan och sover dåligt.",
    "main_goal": "Klara gymnasiet",
    "subgoals": ["Gå i skolan tre dagar i veckan", "Sova åtta timmar"],
    "can_do": "Laga mat och ta mina mediciner",
    "strengths": None,
    "not_share": "Min ekonomi",
    "meeting_place": "home",
    "meeting_help": ["interpreter", "easy_papers"],
    "interpreter_language": "arabiska",
    "meeting_times": None,
    "followup_how": "Jag går i skolan",
    "followup_when": "1m",
    "other": None,
    "contact_way": "phone",
    "phone": "+46 70 123 45 67",
}

BRANCHES: dict[str, tuple[Script, str]] = {
    "self": (
        {
            "role": "self",
            "own_name": "Klara Holm",
            "municipality": "ostersund",
            **COMMON,
            "actors": ["vardcentral", "psykiatri", "narstaende"],
            "contacts": {
                "vardcentral": "Anna Berg 070-111 22 33",
                "psykiatri": None,
                "narstaende": "Lena, min syster",
            },
            "share_scope": "limited",
            "share_with": ["vardcentral", "psykiatri"],
            "main_responsible": "psykiatri",
        },
        "given",
    ),
    "relative_with_link": (
        {
            "role": "relative",
            "person_name": "Karl Öberg",
            "relation": "son",
            "person_agrees": "agrees",
            "person_age": "adult",
            "for_person": True,
            "municipality": "are",
            **COMMON,
            "actors": ["hemtjanst", "vardcentral"],
            "contacts": {"hemtjanst": None, "vardcentral": None},
            "share_scope": "all",
            "main_responsible": "dont_know",
            "contact_way": "chat",
            "phone": None,
        },
        "awaiting_person",
    ),
    "relative_without_link": (
        {
            "role": "relative",
            "person_name": "Maj Öberg",
            "relation": "mamma",
            "person_agrees": "will_ask",
            "person_age": "adult",
            "for_person": True,
            "municipality": "berg",
            **COMMON,
            # No huvudman chosen: the main-responsible question is not asked.
            "actors": ["forsakringskassan", "arbetsgivare"],
            "contacts": {"forsakringskassan": None, "arbetsgivare": "Per Ek, chef"},
            "share_scope": "all",
        },
        "to_confirm",
    ),
    "representative": (
        {
            "role": "representative",
            "person_name": "Sven Lind",
            "representative_kind": "forvaltare",
            "person_agrees": "cannot_say",
            "for_person": True,
            "municipality": "krokom",
            **COMMON,
            "actors": ["lss", "habilitering", "god_man"],
            "contacts": {"lss": None, "habilitering": "Eva", "god_man": "Jag själv"},
            "share_scope": "all",
            "main_responsible": "lss",
        },
        "to_confirm",
    ),
    "guardian": (
        {
            "role": "guardian",
            "person_name": "Alva",
            "child_age": "school",
            "second_guardian": "will_ask",
            "second_guardian_how": "call",
            "second_guardian_name": "Jonas Ek 070-222 33 44",
            "child_view": "Hon vill ha kompisar i skolan.",
            "for_person": True,
            "municipality": "stromsund",
            **COMMON,
            "actors": ["skola", "habilitering"],
            "contacts": {"skola": "Mentor Lisa", "habilitering": None},
            "share_scope": "all",
            "main_responsible": "habilitering",
        },
        "to_confirm",
    ),
}
