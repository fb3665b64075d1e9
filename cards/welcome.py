"""The welcome and help cards: what the bot does and what to type."""

from __future__ import annotations

from cards.actions import ShowHelp, ShowList
from cards.common import Element, adaptive_card, button, fact_set, heading, text_block

_LIST_COMMAND = "mina kontroller"
_HELP_COMMAND = "hjälp"


def welcome_card() -> Element:
    """The first card a person sees: what the bot is for and how to start."""
    return adaptive_card(
        [
            heading("Välkommen till Internkontroll-boten"),
            text_block(
                "Jag hjälper dig som är ansvarig att svara på nämndens internkontroll. "
                "Du ser de kontrollmoment du ska följa upp, fyller i din bedömning och "
                "dina iakttagelser här i Teams, och jag skriver in svaren i nämndens "
                "Excelfil åt dig."
            ),
            text_block(
                "Kvalitetsstrategen kan följa hur arbetet går och se vilka kontroller "
                "som är besvarade.",
            ),
            text_block("Så här kommer du igång", weight="bolder", spacing="medium"),
            fact_set(
                [
                    (_LIST_COMMAND, "visar dina kontrollmoment och låter dig svara"),
                    (_HELP_COMMAND, "visar vad du kan skriva till mig"),
                ]
            ),
            text_block("Skriv något av det ovan i chatten, eller välj en knapp.", subtle=True),
        ],
        [
            button("Mina kontroller", ShowList(), style="positive"),
            button("Hjälp", ShowHelp()),
        ],
    )


def help_card(*, strategist: bool) -> Element:
    """The commands the bot understands; strategists also learn what they may do."""
    body: list[Element | None] = [
        heading("Så här använder du Internkontroll-boten"),
        text_block("Det här kan du skriva till mig:"),
        fact_set(
            [
                (
                    _LIST_COMMAND,
                    "visar de kontrollmoment du ska svara på nu. Du kan också skriva "
                    "”kontroller” eller ”svara”, eller be om en period: ”mina kontroller "
                    "delår 2”.",
                ),
                (
                    "mina åtgärder",
                    "visar de åtgärder du ansvarar för som inte är klara, och låter dig "
                    "ange hur det går: Ej påbörjad, Pågår eller Klar.",
                ),
                (
                    "status",
                    "visar hur uppföljningen går, till exempel ”status helår”, "
                    "”status delår 1 2026” eller ”status helår Socialnämnden”. "
                    + (
                        "Du ser alla nämnder."
                        if strategist
                        else "Du ser dina egna kontrollmoment; hela sammanställningen är "
                        "till för kvalitetsstrategerna."
                    ),
                ),
                *(
                    [
                        (
                            "rapport",
                            "skriver uppföljningsrapporten till nämnden som ett Word-dokument, "
                            "till exempel ”rapport helår” eller ”rapport delår 2 2026 "
                            "Socialnämnden”.",
                        )
                    ]
                    if strategist
                    else []
                ),
                (_HELP_COMMAND, "visar den här hjälpen."),
            ]
        ),
        text_block("Så svarar du", weight="bolder", spacing="medium"),
        text_block(
            "Välj Svara vid ett kontrollmoment. Välj en bedömning, fyll i antal och "
            "iakttagelser och tryck på Spara svar. Om du har hittat avvikelser, eller inte "
            "har kunnat göra kontrollen, beskriver du också en åtgärd, vem som ansvarar för "
            "den och när den ska vara klar."
        ),
        text_block(
            "Svaret sparas direkt och skrivs sedan in i nämndens Excelfil. Du kan ändra "
            "ditt svar så länge perioden är öppen.",
        ),
    ]
    if strategist:
        body += [
            text_block("Du är kvalitetsstrateg", weight="bolder", spacing="medium"),
            text_block(
                "Som kvalitetsstrateg kan du svara på alla kontrollmoment, när som helst – "
                "också innan perioden har öppnat och efter att den har stängt."
            ),
            fact_set(
                [
                    ("status helår", "sammanställningen av helåret, med alla nämnder"),
                    ("status delår 1", "sammanställningen av delår 1 (även ”status delår 2”)"),
                    ("status helår 2025", "ett annat års sammanställning"),
                    ("status helår Socialnämnden", "bara en nämnd"),
                ]
            ),
            text_block(
                "På sammanställningen kan du skriva den till Excel och se vilka som inte har "
                "svarat. Historik på ett kontrollmoment visar alla versioner av svaret.",
                subtle=True,
            ),
        ]
    return adaptive_card(body, [button("Mina kontroller", ShowList(), style="positive")])
