"""The words the assistant reads, as data a reviewer can audit: one entry per line, with why where it is not plain.

Patterns are regular expressions matched case-insensitively on word boundaries (``\\b`` is added around each).
Magnitude words come from tracker/rules/quantities.py (MAGNITUDE_RANGES and MagnitudeWord labels); this file
only lists other ways of writing them. What a term means for counting (its category) is tracker/rules/terms.py.
"""

from __future__ import annotations

from tracker.choices import (
    DisplacementTerm,
    MagnitudeWord,
    Quantifier,
    Sector,
    Strain,
    SurrenderTerm,
    Unit,
)

DISPLACEMENT = "displacement"
SURRENDER = "surrender"
AID_CAPACITY = "aid_capacity"

# --- Numbers -----------------------------------------------------------------------------------------------
NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALE_WORDS: dict[str, int] = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Written after digits: "1.2m", "300k", "2bn".
SCALE_ABBREVIATIONS: dict[str, int] = {"m": 1_000_000, "bn": 1_000_000_000, "k": 1_000}
# "a dozen" and friends: a number, not a magnitude word.
ARTICLE_NUMBERS: dict[str, int] = {
    "a dozen": 12, "half a million": 500_000, "a quarter of a million": 250_000, "a quarter million": 250_000,
    "three quarters of a million": 750_000, "three-quarters of a million": 750_000,
    "a hundred": 100, "a thousand": 1_000, "a million": 1_000_000,
}

# Other ways of writing the magnitude words of tracker/rules/quantities.py (their labels are read from there).
MAGNITUDE_VARIANTS: dict[str, str] = {
    "several thousand": MagnitudeWord.THOUSANDS,
    "a few thousand": MagnitudeWord.THOUSANDS,
    "many thousands": MagnitudeWord.THOUSANDS,
    "several hundred": MagnitudeWord.HUNDREDS,
    "a few hundred": MagnitudeWord.HUNDREDS,
    "many hundreds": MagnitudeWord.HUNDREDS,
    "several dozen": MagnitudeWord.DOZENS,
    "a few dozen": MagnitudeWord.DOZENS,
    "several hundred thousand": MagnitudeWord.HUNDREDS_OF_THOUSANDS,
    "several million": MagnitudeWord.MILLIONS,
    "many tens of thousands": MagnitudeWord.TENS_OF_THOUSANDS,
}
# "in the thousands", "by the hundreds": the magnitude word after a preposition.
MAGNITUDE_PREFIXES = ("in the", "by the", "in their", "in", "by")

# Qualifier phrases written just before a number. Longer phrases win ("no more than" before "more than").
QUALIFIERS: dict[str, str] = {
    "more than": Quantifier.MORE_THAN,
    "over": Quantifier.MORE_THAN,
    "upwards of": Quantifier.MORE_THAN,
    "upward of": Quantifier.MORE_THAN,
    "in excess of": Quantifier.MORE_THAN,
    "well over": Quantifier.MORE_THAN,
    "just over": Quantifier.MORE_THAN,
    "well above": Quantifier.MORE_THAN,
    "above": Quantifier.MORE_THAN,
    "at least": Quantifier.AT_LEAST,
    "a minimum of": Quantifier.AT_LEAST,
    "no fewer than": Quantifier.AT_LEAST,
    "no less than": Quantifier.AT_LEAST,
    "nearly": Quantifier.APPROXIMATELY,
    "almost": Quantifier.APPROXIMATELY,
    "some": Quantifier.APPROXIMATELY,
    "around": Quantifier.APPROXIMATELY,
    "about": Quantifier.APPROXIMATELY,
    "approximately": Quantifier.APPROXIMATELY,
    "roughly": Quantifier.APPROXIMATELY,
    "an estimated": Quantifier.APPROXIMATELY,
    "estimated": Quantifier.APPROXIMATELY,
    "close to": Quantifier.APPROXIMATELY,
    "an approximate": Quantifier.APPROXIMATELY,
    "approx.": Quantifier.APPROXIMATELY,
    # "c. 3,000", "ca. 3,000": circa, in British and older writing.
    "c.": Quantifier.APPROXIMATELY,
    "ca.": Quantifier.APPROXIMATELY,
    "circa": Quantifier.APPROXIMATELY,
    "fewer than": Quantifier.LESS_THAN,
    "less than": Quantifier.LESS_THAN,
    "under": Quantifier.LESS_THAN,
    "just under": Quantifier.LESS_THAN,
    "below": Quantifier.LESS_THAN,
    "up to": Quantifier.AT_MOST,
    "at most": Quantifier.AT_MOST,
    "no more than": Quantifier.AT_MOST,
    "as many as": Quantifier.AT_MOST,
    "a maximum of": Quantifier.AT_MOST,
}
# Words that may open a parenthesis restating a figure in another unit: "(or about 4,200 people)".
RESTATEMENT_WORDS = r"or|i\.e\.|that is|roughly|about|around|some|nearly|approximately|an estimated"
# Qualifiers written after the number: "2,000 or so", "3,000 or thereabouts".
AFTER_QUALIFIERS = r"or so|or thereabouts|-?odd"  # "40-odd fighters"
AFTER_QUALIFIERS_MEAN = Quantifier.APPROXIMATELY
# Between two numbers: "3,000 to 4,000", "3,000-4,000", "between 500 and 700", "from 500 to 700".
RANGE_JOINERS = (r"\s*[-\u2013\u2014]\s*", r"\s+to\s+", r"\s+and\s+")
# "rose from 3,000 to 5,000" is a change, not a range: the figure is the second number.
CHANGE_VERBS = r"(?:rose|risen|rising|increased|increasing|grew|grown|climbed|jumped|swelled|went up|doubled)"

# --- Units ---------------------------------------------------------------------------------------------------
# The word after a number (adjectives in between are skipped): what is counted. Fighters, civilians and people
# are all persons; combatant words also set combatant_status to fighters.
UNIT_WORDS: dict[str, str] = {
    "people": Unit.PERSONS, "persons": Unit.PERSONS, "person": Unit.PERSONS, "individuals": Unit.PERSONS,
    "civilians": Unit.PERSONS, "residents": Unit.PERSONS, "villagers": Unit.PERSONS,
    "wives": Unit.PERSONS, "dependants": Unit.PERSONS, "dependents": Unit.PERSONS,
    "inhabitants": Unit.PERSONS, "children": Unit.PERSONS, "women": Unit.PERSONS, "men": Unit.PERSONS,
    "refugees": Unit.PERSONS, "idps": Unit.PERSONS, "migrants": Unit.PERSONS, "returnees": Unit.PERSONS,
    "evacuees": Unit.PERSONS, "asylum-seekers": Unit.PERSONS, "displaced": Unit.PERSONS,
    "syrians": Unit.PERSONS, "iraqis": Unit.PERSONS, "yazidis": Unit.PERSONS, "kurds": Unit.PERSONS,
    "students": Unit.PERSONS, "patients": Unit.PERSONS, "workers": Unit.PERSONS, "survivors": Unit.PERSONS,
    "others": Unit.PERSONS, "adults": Unit.PERSONS, "minors": Unit.PERSONS, "detainees": Unit.PERSONS,
    "prisoners": Unit.PERSONS, "ex-combatants": Unit.PERSONS, "ex-fighters": Unit.PERSONS,
    "civilian": Unit.PERSONS, "resident": Unit.PERSONS, "refugee": Unit.PERSONS, "fighter": Unit.PERSONS,
    "families": Unit.FAMILIES, "family": Unit.FAMILIES,
    "households": Unit.HOUSEHOLDS, "household": Unit.HOUSEHOLDS,
    "fighters": Unit.PERSONS, "militants": Unit.PERSONS, "combatants": Unit.PERSONS, "members": Unit.PERSONS,
    "insurgents": Unit.PERSONS, "rebels": Unit.PERSONS, "gunmen": Unit.PERSONS, "jihadists": Unit.PERSONS,
    "soldiers": Unit.PERSONS, "troops": Unit.PERSONS, "militiamen": Unit.PERSONS, "extremists": Unit.PERSONS,
}
# People named by where they are from ("1.5 million Sudanese", "300 Afghans"): a capitalised word with one of
# these endings counts persons when no other unit word follows it.
DEMONYM = r"[A-Z][a-z]+(?:ese|ians|ans|is|ites)|Rohingya|Rohingyas"
# "Two-thirds of the town's 60,000 residents", "800 of the 1,200 residents": the whole is not the figure.
FRACTIONS = (
    r"half|a third|one third|two[- ]thirds|a quarter|one quarter|three[- ]quarters|a fifth|a tenth|most|many"
    r"|the majority|a majority|much|a fraction|a share|a proportion|\d+ ?(?:per ?cent|%)"
)
COMBATANT_WORDS = frozenset(
    {"fighters", "militants", "combatants", "insurgents", "rebels", "gunmen", "jihadists", "soldiers", "troops",
     "militiamen", "extremists", "members", "ex-combatants", "ex-fighters", "fighter"}
)
# Words after a number that say it counts something else: money, weight, distance, age, time, things.
DISTRACTOR_UNITS = frozenset(
    {
        "dollars", "dollar", "usd", "euros", "pounds", "lira", "liras", "riyals", "dinars", "francs",
        "tonnes", "tons", "tonne", "ton", "kg", "kilograms", "kilos", "litres", "liters", "gallons",
        "km", "kilometres", "kilometers", "miles", "metres", "meters", "square", "sq", "hectares", "acres",
        "percent", "per", "%", "pc",
        "years", "year", "months", "month", "weeks", "week", "days", "day", "hours", "hour", "minutes", "times",
        "year-old", "years-old", "year-olds",
        "beds", "tents", "trucks", "lorries", "vehicles", "buses", "homes", "houses", "buildings", "shelters",
        "villages", "towns", "schools", "hospitals", "clinics", "meals", "rations", "doses", "kits", "tanks",
        "cases", "calls", "deaths", "bodies", "airstrikes", "strikes", "rockets", "shells", "attacks", "sites",
        "camps", "locations", "points", "crossings", "countries", "organisations", "organizations", "agencies",
        "million", "billion",
    }
)
# What a place or a service can hold is no count of people: "a centre built for 3,000 people".
CAPACITY_CUES = (
    r"(?:built|designed)(?:,? [\w-]+){0,3},? for|meant for|intended for|capacity (?:of|for)"
    r"|room for|space for|beds for"
    r"|(?:able to|can|could|(?:designed|built|meant|intended|equipped) to) (?:host|hold|accommodate|shelter|house|take)"
)
# A part of a figure already given ("4,000 people, including 1,500 children") or an earlier figure it is compared
# with ("up from 60,000"): no figure of its own.
BREAKDOWN_CUES = (
    r"averaging|an average of|on average|including|among them|among whom|of whom|of them|of which|mostly|mainly"
    r"|most of them|half of them"
)
COMPARISON_CUES = r"up from|down from|compared with|compared to|against|from a previous|from an earlier|from last"
# A rate is no count of people: "2,000 arrivals a day".
RATES = r"a day|per day|each day|every day|daily|a week|per week|each week|a month|per month|an hour|per hour"
# Currency signs written before a number.
CURRENCY_SIGNS = ("$", "\u20ac", "\u00a3", "US$", "USD")

# --- Terms ---------------------------------------------------------------------------------------------------
# (pattern, kind, term). The term nearest the number in its clause is the figure's term.
TERMS: tuple[tuple[str, str, str], ...] = (
    # people leaving
    (r"fled|flee|flees|fleeing", DISPLACEMENT, DisplacementTerm.FLED),
    (r"escaped|escape|escaping", DISPLACEMENT, DisplacementTerm.FLED),
    (r"(?:streamed|streaming|stream|poured|pouring|pour|flowed|flowing|came|coming|come|made their way) out",
     DISPLACEMENT, DisplacementTerm.FLED),
    (r"emerged|emerging|emerge", DISPLACEMENT, DisplacementTerm.FLED),
    (r"(?:have|has|had) left|left (?:their|the|his|her|for)|(?-i:left(?= [A-Z]))", DISPLACEMENT,
     DisplacementTerm.FLED),
    (r"leaving|leave|exodus", DISPLACEMENT, DisplacementTerm.FLED),
    (r"evacuated|evacuate|evacuating|evacuation|evacuations|(?:bussed|bused) out"
     r"|airlifted|(?:escorted|ferried|flown|shuttled) out", DISPLACEMENT,
     DisplacementTerm.EVACUATED),
    (r"displaced|displacing|displace|displacement|uprooted|uprooting"
     r"|(?:drove|driven|drive|drives|driving|forced|forcing) out"
     r"|(?:(?:forced|driven|chased) )?(?:from|out of) their homes", DISPLACEMENT, DisplacementTerm.DISPLACED),
    # "five were moved to hospital": patients taken for care, no relocation of displaced people
    (r"(?:relocated|relocate|relocating|relocation|transferred|moved to|resettled)"
     r"(?! (?:to )?(?:a |the )?(?:hospitals?|clinics?|health cent(?:re|er)s?)\b)", DISPLACEMENT,
     DisplacementTerm.RELOCATED),
    (r"returned|returning|return|returns|went back|gone back|go back|going back|came back|come back"
     r"|(?:have|has) returned"
     # "went home", "moved back", "bused back to their villages"
     r"|(?:went|gone|go|goes|going|headed|heading) home|(?:moved|move|moving|moves) back"
     r"|crossed back"  # "18,400 Afghans crossed back from Iran": home again
     r"|(?:bused|bussed|trucked|flown|ferried|brought|taken) back"
     # "officials counted 2,150 returnees": the noun names the movement when no verb does (see ADJECTIVE_TERMS)
     r"|returnees",
     DISPLACEMENT, DisplacementTerm.RETURNED),
    # "some 48,000 Venezuelans came through the city's bridges": a crossing point passed is an arrival
    (r"arrived|arriving|arrive|arrivals|reached|crossed|crossing into|entered|landed|disembarked|came ashore"
     r"|(?:came|come|coming|passed|passing) through"
     # "a further 4,000 households registered on Wednesday": people newly registered at a site have arrived there
     r"|(?<!has )(?<!have )(?<!had )registered(?= (?:at|on|in|with|since|over|during|this|last|yesterday))"
     r"|received|receiving|took in|welcomed|settled in|have settled|has settled",
     DISPLACEMENT, DisplacementTerm.ARRIVED),
    (r"(?:living|live|lives|sheltering|shelter|staying|stay|housed|hosted|accommodated|registered) in"
     r"(?: [\w'\u2019,.-]+){0,3} (?:camps?|settlements?|shelters?|tents?|schools?|mosques?|churches"
     r"|public buildings|collective cent(?:re|er)s|informal sites|stadiums?|sports halls?|gymnasiums?|warehouses?"
     # centres that house the displaced are camps for counting ("accommodated in temporary accommodation centres")
     r"|(?:evacuation|accommodation|transit|reception|displacement) cent(?:re|er)s?)"
     r"|(?:remain|remains|remained|remaining) in (?:the |their |makeshift |temporary )?(?:camps?"
     r"|(?:evacuation|accommodation|transit|collective) cent(?:re|er)s?)"
     r"|(?:sought|seeking|taken|taking|found|find) (?:refuge|shelter) in(?: [\w'\u2019-]+){0,3} (?:camps?|schools?"
     r"|mosques?|churches|shelters?|public buildings|collective cent(?:re|er)s|stadiums?|sports halls?)"
     r"|in (?:the )?camps?|camp residents"
     # a key-figures line: "4,300 families in 14 temporary sites"
     r"|in \d+ (?:[\w-]+ )?(?:camps|sites|settlements|shelters|collective cent(?:re|er)s)"
     r"|(?:camps?|sites?|settlements?) (?:now )?(?:hosts?|houses?|holds?|is home to)",
     DISPLACEMENT, DisplacementTerm.IN_CAMP),
    (r"trapped|stranded|besieged|stuck|holed up|(?:remain|remained|remaining|remains|still|are|were) in hiding"
     r"|(?:remain|remained|remaining|remains|still|are|were|left) cut off"
     r"|(?:remain|remained|remaining|remains|still|left) inside"
     r"|(?:remain|remained|remaining|remains|stayed|staying) (?:behind )?in"
     r"(?! (?:the |their |makeshift |temporary )?(?:camps?|(?:evacuation|accommodation|transit|collective) cent))"
     # "fewer than 200 residents remain, its head said": remaining, with nothing after the verb
     r"|(?:remain|remained|remains)(?=\s*(?:[,;.\u2014]|$))"
     # "where 137 of them remained on Wednesday": remaining, with only a day after the verb
     r"|(?:remain|remained|remains)(?= on (?:mon|tues|wednes|thurs|fri|satur|sun)day\b)",
     DISPLACEMENT, DisplacementTerm.TRAPPED),
    # refuge with no camp named: where people are now ("sought refuge in neighbouring Uganda"); after the camp
    # terms, so that "sought refuge in camps" stays in_camp
    (r"(?:sought|seeking|seek|taken|taking|took|found|find) (?:refuge|safety|sanctuary)", DISPLACEMENT,
     DisplacementTerm.ARRIVED),
    # surrenders
    (r"surrendered|surrender|surrendering|surrenders|laid down (?:their |his )?(?:arms|weapons)"
     r"|(?:handed|handing|hand) themselves (?:over|in)|(?:turned|turning|turn) themselves in"
     r"|(?:gave|given|giving|give) themselves up|defected",
     SURRENDER, SurrenderTerm.SURRENDERED),
    (r"captured|capture|detained|taken prisoner|prisoner|arrested|taken into custody|seized"
     r"|(?:rounded|rounding) up", SURRENDER,
     SurrenderTerm.CAPTURED),
)
# A key-figures line names what it counts in its label, before a colon: "Number of IDPs: 1,245,000",
# "Returnees (cumulative): 312,400". Nouns of the label that give the term when no verb does.
LABEL_TERMS: tuple[tuple[str, str], ...] = (
    (r"idps|internally displaced|displaced (?:people|persons)|displacement", DisplacementTerm.DISPLACED),
    (r"returnees|returns|returned", DisplacementTerm.RETURNED),
    (r"evacuees|evacuations|evacuated", DisplacementTerm.EVACUATED),
    (r"new arrivals|arrivals|refugees|asylum-seekers", DisplacementTerm.ARRIVED),
)
# "living in and around it": people in a camp only where the sentence names a camp, a centre or a settlement.
CAMP_STAYS = (
    r"(?:now )?(?:living|sheltering|staying|housed) in(?: and around)?"
    r"|(?:now |already )?(?:holds?|held|hosts?|hosted|houses|shelters|sheltered)|home to"
)
CAMP_WORDS = r"camps?|centres?|centers?|settlements?|sites?|shelters?|collective centres?"
# Family members are civilians: counted apart from the fighters who surrender with them ("118 fighters and about
# 200 of their wives and children gave themselves up"), they are a displacement figure (they left), not a surrender.
# Not "families": "30 families surrendered" counts the fighters with their households, a mixed surrender.
FAMILY_MEMBERS = frozenset({"wives", "children", "dependants", "dependents", "relatives"})
# A term in front of its unit ("4,000 displaced people") weighs less than a verb elsewhere in the sentence.
ADJECTIVE_TERMS = ("displaced", "trapped", "stranded", "evacuated", "returning", "besieged", "returnees")

# Figures about other topics: when one of these is nearer the number than any term, nothing is proposed.
OTHER_TOPICS = (
    r"killed|kill|killing|dead|died|die|dying|deaths|death toll|bodies|casualties|executed|massacred"
    r"|injured|wounded|hurt|maimed|missing|abducted|kidnapped|buried|starved"
    r"|in need|needed|needing|need|affected|food insecure|require|requiring|assisted|targeted|vaccinated|treated"
    # patients taken for care: "five were moved to hospital"
    r"|(?:moved|taken|transferred|rushed|admitted) to (?:a |the )?(?:hospitals?|clinics?)|hospitali[sz]ed"
)

# --- What keeps a figure from being proposed -----------------------------------------------------------------
# Forecasts, plans and conditionals before the term in its clause: not a counted fact.
FORECASTS = (
    r"expected to|expects?|expecting|could|may|might|would|will|shall|plan to|plans to|planned to|planning to"
    r"|planned for|planning for|preparing for|prepared for|contingency|set to"
    r"|are to|is to|threatens to|threatened to|threaten to|likely to|poised to|about to|aim to|aims to"
    r"|intend to|intends to|hope to|hopes to|want to|wants to|going to|projected|forecast|predicted"
    r"|ready to|prepared to|if|unless|in case|scheduled to|due to (?:leave|return|arrive|be|close)|at risk of"
    r"|await|awaits|awaiting|waiting for|waiting to"  # "another 500 await evacuation"
    r"|in talks to|negotiating to|in negotiations to"  # "50 fighters were in talks to surrender": not yet done
    # a state that no longer holds: "camps which once held 200,000 people", "home to 3,000 before the raids"
    r"|once|formerly|used to|at (?:its|their) peak"
    r"|before the (?:[\w-]+ )?(?:raids?|attacks?|fighting|war|violence|floods?|clashes|offensive|conflict|crisis"
    r"|earthquake|storm|cyclone|siege)"
)
# A figure about an earlier year's event, told for comparison: "the heaviest rains since 2023, when almost 250,000
# people had to leave their homes". The year (before the publication's) is the group "year".
EARLIER_YEAR = r"\b(?:in|since|during|of)\s+(?:the\s+)?(?P<year>(?:19|20)\d\d)(?:\s+[\w-]+)?,?\s+when\b"
# Said of the term itself: "have not returned", "never left".
NEGATIONS = r"not|n't|never|no longer|neither|nor|failed to|unable to"
# The words that make a zero: "no further civilians", "no one", "none".
ZERO_HEADS = r"no(?: (?:further|more|other|new|additional))?|not any(?: more)?|not a single|not one"
ZERO_PRONOUNS = r"no one|no-one|nobody|none"
# Words allowed between a zero and its verb: "no one has yet left", "no further civilians had emerged".
AUXILIARIES = frozenset(
    {"has", "have", "had", "been", "was", "were", "is", "are", "be", "yet", "so", "far", "reportedly", "single",
     "managed", "able", "to", "further", "more", "either", "since", "then", "also", "actually",
     # "No residents could be evacuated on 15 August": a past inability, so a zero, not a conditional
     "could"}
)
# Forecasts before a zero figure's verb that are past facts there ("no one could leave"): see ZERO_PAST.
ZERO_PAST = frozenset({"could"})
# A figure whose own clause says it is planned: "a convoy carrying a further 150 families is planned for next week".
PLANNED_AFTER = r"(?:is|are|was|were|being) (?:planned|scheduled|expected|due|to be)"
# A correction takes back an earlier figure: no record of its own; the next sentence's figure ("The figure was
# 3,000 people") is the corrected one, with the same term.
RETRACTIONS = (
    r"correction:|corrected:|clarification:|an earlier (?:post|version|update|report|entry|story|line)"
    r" (?:said|stated|reported|gave|wrongly|incorrectly|mistakenly)|(?:was|were) (?:wrongly|incorrectly|mistakenly)"
    r" (?:reported|given|stated)"
)
# Hedged sentences keep their proposal with a lower confidence.
HEDGES = r"reportedly|believed|thought to|unconfirmed|could not be (?:independently )?verified|possibly|allegedly"

# --- Aid capacity --------------------------------------------------------------------------------------------
# The most severe phrase in the sentence gives the strain ("has run out of milk and is overwhelmed").
STRAIN_SEVERITY = {Strain.SUSPENDED: 3, Strain.OVERWHELMED: 2, Strain.STRAINED: 1, Strain.NORMAL: 0}
STRAINS: tuple[tuple[str, str], ...] = (
    (r"(?:struggling|struggle|struggles|struggled) to (?:cope|keep up|keep pace|meet|respond|provide)"
     r"|under (?:severe |heavy |growing |enormous )?(?:strain|pressure)|strained|stretched thin|stretched"
     r"|running low|running out|running short|(?:have |has |had )?r[ua]n (?:out|short) of|short of"
     r"|scaled (?:back|down)|reduced (?:its |their )?(?:operations|services|rations)"
     r"|cannot meet (?:the )?(?:demand|needs)", Strain.STRAINED),
    (r"overwhelmed|overwhelming|stretched beyond|stretched to (?:the |its )?(?:limit|breaking point)"
     r"|beyond (?:its |their )?capacity|overstretched|at breaking point|at full capacity|over capacity"
     r"|overcrowded|cannot cope|can't cope|unable to cope|(?:could|can) no longer cope|no longer able to cope"
     r"|(?:reached|exceeded) (?:full |its |their )?capacity"
     r"|(?:[\w-]+ times|above|over|twice) (?:its |their )?(?:normal |intended )?capacity"
     # not "shelters were full": a place's occupancy, said of no provider's service ("at full capacity" is)
     r"|turning (?:people|families|patients) away|turned (?:people|families|patients) away",
     Strain.OVERWHELMED),
    (r"suspended|suspend|suspending|halted (?:its |their )?(?:operations|work|activities|services|deliveries|aid)"
     r"|stopped (?:its |their )?(?:operations|work|activities|services|distributions|deliveries)|pulled out"
     r"|withdrew (?:its |their )?(?:staff|teams)|withdrawn|evacuated (?:its |their )?(?:staff|teams)"
     r"|closed (?:its |their )?(?:doors|clinics?|hospitals?|offices?|operations)|shut down|ceased (?:its |their )?"
     r"(?:operations|work|activities)|(?:been|were|was|are|is) (?:halted|stopped|cut off|paused|closed|shut)"
     r"|paused (?:its |their )?(?:work|operations|activities|services|programmes|programs|distributions)",
     Strain.SUSPENDED),
    (r"operating normally|functioning normally|running normally|able to cope|coping well", Strain.NORMAL),
)
# Who provides aid: a statement of strain needs one of these (or an aid organization) in its sentence.
AID_PROVIDERS = (
    r"aid (?:agencies|agency|groups|group|organi[sz]ations?|workers|officials|providers|deliveries|convoys"
    r"|distributions|operations|programmes|flights)"
    r"|humanitarian (?:agencies|agency|groups|organi[sz]ations?|workers|partners|actors|community|operations)"
    r"|relief (?:agencies|groups|organi[sz]ations?|workers|efforts)|ngos|charities|charity"
    r"|hospitals?|clinics?|health (?:facilities|centres|centers|services|system|workers)|medical (?:teams|staff"
    r"|facilities|services)|doctors|camps?|(?:reception|transit|health|collective|treatment) cent(?:re|er)s?"
    r"|shelters?|services|water supplies"
    # "The council's teams suspended distributions", "health teams in the camps"
    r"|(?:health|medical|aid|relief|mobile|its|their|[\w-]+['\u2019]s) teams|distributions"
    r"|food (?:distributions?|supplies|aid)|the un|u\.n\.|un agencies|local authorities|authorities"
)
# Sector keywords: one sector named gives it; none or several give multi-sector.
SECTORS: tuple[tuple[str, str], ...] = (
    (r"health|hospitals?|clinics?|medical|m\u00e9decins|medecins|doctors|nurses|medicines?|patients|cholera|trauma"
     r"|surgical|vaccinations?"
     r"|treatment", Sector.HEALTH),
    (r"food|bread|meals|hunger|rations", Sector.FOOD_SECURITY),
    (r"water|sanitation|hygiene|latrines|toilets", Sector.WASH),
    (r"shelters?|tents|housing|reception cent(?:re|er)s?|collective cent(?:re|er)s?|mattresses|blankets"
     r"|non-food items|tarpaulins", Sector.SHELTER),
    (r"schools?|education|classes", Sector.EDUCATION),
    (r"nutrition|malnutrition|malnourished|therapeutic|stabili[sz]ation cent(?:re|er)s?|rutf", Sector.NUTRITION),
    (r"protection|child protection", Sector.PROTECTION),
    (r"camp management|camp coordination", Sector.CCCM),
    (r"logistics|transport|trucks|convoys", Sector.LOGISTICS),
    (r"telecommunications|connectivity", Sector.EMERGENCY_TELECOMMUNICATIONS),
)

# Named as what is strained, these give their sector only there: "the camps there are overwhelmed".
SUBJECT_SECTORS: tuple[tuple[str, str], ...] = (
    (r"camps?|sites?|settlements?|transit cent(?:re|er)s?", Sector.CCCM),
)
# What a provider runs: "its trauma unit", "the hospital in Adre ..., MSF said" are the speaker's. Generic names
# of providers ("aid agencies in the area") are not: they stay a description.
PROVIDER_FACILITIES = (
    r"hospitals?|clinics?|cent(?:re|er)s?|units?|teams?|programmes?|programs?|operations?|services?|trucking"
    r"|distributions?|warehouses?|kitchens?|staff|volunteers|facilit(?:y|ies)|deliver(?:y|ies)|convoys?|stocks?"
    r"|camps?"
)
GENERIC_PROVIDERS = (
    r"aid (?:agencies|groups|organi[sz]ations|workers)|humanitarian (?:agencies|groups|organi[sz]ations|workers"
    r"|partners|actors)|relief (?:agencies|groups|organi[sz]ations)|ngos|charities|agencies"
)
# "the north of the state": the area of that level around the place carried forward.
AREA_WORDS: dict[str, str] = {
    "the state": "adm1", "the province": "adm1", "the governorate": "adm1", "the region": "adm1",
    "the district": "adm2", "the territory": "adm2", "the county": "adm2",
    "the country": "country",
    "the city": "locality", "the town": "locality", "the village": "locality",
    "the camp": "site", "the site": "site", "the settlement": "site",
}

# --- Attribution ---------------------------------------------------------------------------------------------
SPEECH_VERBS = (
    r"said|says|say|told|tells|reported|reports|estimated|estimates|stated|states|announced|announces|added"
    r"|confirmed|confirms|claimed|claims|noted|notes|explained|tweeted|wrote|warned|counted|recorded|registered"
    r"|documented|showed|shows|according to"
    r"|puts? the (?:number|figure|total|toll|count)"  # "the Thai army put the number sheltering at c. 3,000"
)
# A line's marker before its first word is no part of a source's name: "11:40 GMT: The RSF said", "11. IOM says".
LINE_MARKERS = (
    r"\d{1,2}[:.h]\d{2}(?:\s*(?:GMT|UTC|BST|CET|CEST|EAT|WAT|CAT|ICT|PHT|[ap]\.?m\.?|local time|local))?"
    r"\s*[:\u2013\u2014-]\s*|\d{1,3}[.)]\s+|[-*\u2022]\s+"
)
# Nor is the time a sentence opens with: "Late on Thursday the rebels said", "By Friday morning the army put ...".
LEADING_TIMES = (
    r"(?:(?i:late|early|earlier|later)\s+)?(?i:on|by|in|at|from)\s+(?:[A-Z][a-z]+)(?:\s+(?:morning|afternoon"
    r"|evening|night))?,?\s+|(?i:yesterday|today|overnight|tonight|later|earlier)(?:\s+(?:morning|afternoon"
    r"|evening))?,?\s+"
)
# "a spokesman for the brigade": the organization of the phrase after the person.
PERSON_OF = r"spokes(?:man|woman|person)|official|officer|commander|representative|member|source|statement"
PRONOUNS = frozenset({"he", "she", "they", "it", "we"})
# "the agency said": the organization of that kind named last, in this sentence or before.
ANAPHORA: dict[str, tuple[str, ...]] = {
    "the agency": ("un_agency", "ngo", "red_cross", "government", "other"),
    "the un agency": ("un_agency",),
    "the organisation": ("ngo", "un_agency", "red_cross", "other"),
    "the organization": ("ngo", "un_agency", "red_cross", "other"),
    "the charity": ("ngo",),
    "the ngo": ("ngo",),
    "the group": ("armed_group", "ngo"),
    "the militia": ("armed_group",),
    "the army": ("state_force",),
    "the military": ("state_force",),
    "the ministry": ("government",),
    "the office": ("un_agency", "government"),
    "the government": ("government",),
    "the force": ("state_force", "armed_group"),
    "the forces": ("state_force", "armed_group"),
    "the rebels": ("armed_group",),
    "the insurgents": ("armed_group",),
    "the militants": ("armed_group",),
    "the brigade": ("state_force",),
    "the battalion": ("state_force",),
    "the division": ("state_force",),
    "the regiment": ("state_force",),
    "the police": ("state_force",),
}
# "the spokesman said": the last speaker named.
# What an organization publishes: "according to the agency's weekly update" is the agency.
DOCUMENTS = r"update|report|figures|data|statement|bulletin|count|tally|assessment|estimate|snapshot|dashboard"
LAST_SPEAKER = frozenset({"the spokesman", "the spokeswoman", "the spokesperson", "the official", "the officer",
                          "the commander", "the governor", "the minister"})
# A person's own words name a journalist of an outlet ("Al Jazeera's Hoda Abdel-Hamid"): the outlet's own reporting.
JOURNALIST_WORDS = r"correspondent|reporter|journalist|reporting from"

# Where a place follows one of these, it is where people left from ...
ORIGIN_CUES = r"from|out of|fled|fleeing|flee|left|leaving|escaped|escaping|evacuated|evacuating|of"
# ... and after these, where they went.
DESTINATION_CUES = r"to|into|towards|toward|for|reached|reaching|in neighbouring|in neighboring|entered"
# A figure for the whole country: the country of the place carried forward.
NATIONWIDE = (
    r"nationally|nationwide|across the country|in the country as a whole|countrywide|across (?:all of )?the country"
)
# "since the offensive began on 22 May": a date that starts a period running to publication.
SINCE_EVENT = (
    r"since\s+(?:[\w'\u2019-]+\s+){1,6}?(?:began|begun|started|erupted|broke out|collapsed|struck|hit|opened"
    r"|closed|was launched|launched|escalated|intensified|resumed|burst|flooded|arrived|fell|took"
    r"|(?:were|was) [a-z]+ed)\s+(?:on\s+)?"  # "since the dykes were reinforced last week"
    # "since the commencement of evacuation measures on 6 August"
    r"|since\s+the\s+(?:start|beginning|commencement|onset|outbreak|launch)\s+of\s+(?:[\w'\u2019-]+\s+){0,4}?"
    r"(?:on\s+|in\s+)?"
)
# A place named as where a reporter stands is no place of the figures.
DATELINE_CUES = r"reporting from|speaking from|writing from|speaking to \w+ from"
