"""The claim rules (bot/claims.py), each with a claim it must keep and one it must refuse."""

from __future__ import annotations

import pytest

from newsqa.bot.claims import figures_as_digits, held_to

pytestmark = pytest.mark.spec

SEED = ("As of the latest reporting, there have been 36 attacks in Iraq and 37 in Syria. Security analysts "
        "express growing concern that the conflict could expand. The United States maintains a military presence "
        "of 900 troops in Syria and 2,500 in Iraq, with the mission of advising local forces. The Iraqi Prime "
        "Minister, Mohammed Shia al-Sudani, has condemned these attacks and U.S. counter-strikes as violations of "
        "Iraq's sovereignty.")
TROOPS = "The United States maintains a military presence of 900 troops in Syria and 2,500 in Iraq."
SUDANI = "The Iraqi Prime Minister, Mohammed Shia al-Sudani, has condemned these attacks."
BRIDGE = "The Ferris Street bridge will cost $48 million and work begins in September 2025."


@pytest.mark.parametrize("rule,kept,refused,sentence", [
    ("magnitude", "The bridge will cost $48 million.", "The bridge will cost $48 billion.", BRIDGE),
    ("magnitude", "Turnout rose to 62%.", "Turnout rose to 62 million.", "Turnout rose to 62 percent."),
    ("date", "Work begins in September 2025.", "Work begins in October 2025.", BRIDGE),
    ("magnitude", "Nearly one million workers will get a raise.", "Nearly one billion workers will get a raise.",
     "In California, nearly one million fast food and healthcare workers will get a raise."),
    ("magnitude", "They examined a quarter million people.", "They examined a quarter billion people.",
     "Researchers examined more than a quarter million people with alcohol-use disorder."),
    ("date", "Voting ends on May 31.", "Voting ends on May 30.", "Voting ends on May 31, officials said."),
    ("date", "The moon was sighted on Sunday, March 10, and fasting began on Monday, March 11.",
     "The moon was sighted on Sunday, March 11, and fasting began on Monday, March 10.",
     "This year the moon was sighted on the night of Sunday, March 10, and fasting began on Monday, March 11."),
    ("date", "Temperatures will be below normal for mid-February.", "Temperatures will be below normal for mid-May.",
     "Temperatures will be 20 degrees below normal for mid-February."),
    # a year held to the claim's own sentence: one the sentence names fewer times, while it names another
    ("date", "Opponents gathered in North Dakota in 2016 and early 2017.",
     "Opponents gathered in North Dakota in 2017 and early 2017.",
     "Thousands of opponents gathered in southern North Dakota in 2016 and early 2017, camping on federal land."),
    ("date", "Trump proposed cuts in the fiscal years 2018, 2019, 2020 and 2021.",
     "Trump proposed cuts in the fiscal years 2018, 2019, 2019 and 2021.",
     "Trump did propose cuts to Medicare in his budgets for the fiscal years 2018, 2019, 2020 and 2021."),
    ("polarity", "al-Sudani has condemned these attacks.", "al-Sudani has not condemned these attacks.", SUDANI),
    ("polarity", "The mayor did not resign.", "The mayor resigned.", "The mayor did not resign on Friday."),
    # a "not" added beside the sentence's own negation
    ("polarity", "Porcupines are common in Maine, though albino ones aren't.",
     "Porcupines are not common in Maine, though albino ones aren't.",
     "Porcupines are common in Maine, though albino ones certainly aren't."),
    # a negation in a clause the claim leaves out is no flip; one in what it repeats is
    ("polarity", "Calls were made to give New Jersey more input on the plan.",
     "Calls were made to give New Jersey more board representation.",
     "Calls were made to give New Jersey, which doesn't have board representation, more input on the plan."),
    ("polarity", "The council never voted on it.", "The council voted on it.", "The council never voted on it."),
    # numbers after "No." name a seed, not a count, yet swapped they are wrong all the same
    ("figures swapped", "The No. 2 seed Buffalo Bills host the No. 7 seed Denver Broncos.",
     "The No. 7 seed Buffalo Bills host the No. 2 seed Denver Broncos.",
     "The No. 2 seed Buffalo Bills host the No. 7 seed Denver Broncos to kick off the day."),
    # a year not part of a full date trades places with a count; a full date's year moves with its date
    ("figures swapped", "He became the first person to climb the summit 22 times in 2018.",
     "In 22, he became the first person to climb the summit 2018 times.",
     "In 2018, he became the first person to climb the summit 22 times, officials said."),
    ("date", "The ban covers citizens of 12 countries, signed on June 4, 2025.",
     "The ban, signed on June 12, 2025, covers citizens of 4 countries.",
     "The ban, signed on June 4, 2025, covers citizens of 12 countries and more."),
    ("figures swapped", "The US has 900 troops in Syria and 2,500 in Iraq.",
     "The United States has 2,500 troops in Syria and 900 in Iraq.", TROOPS),
    ("names swapped", "Rovers beat City Athletic Club in the final.", "City Athletic Club beat Rovers in the final.",
     "Millbrook Rovers beat City Athletic Club in the final."),
    ("names swapped", "Maria Lopez defeated John Smith in the runoff.",
     "John Smith defeated Maria Lopez in the runoff.", "Maria Lopez defeated John Smith in the runoff on Tuesday."),
    # A swapped name merged with the title words beside it ("District North Carolina") is still seen.
    ("names swapped", "Judge Loretta Biggs ruled that the University of North Carolina has shown a compelling reason.",
     "U.S. District North Carolina ruled that the University of Judge Loretta Biggs has shown a compelling reason.",
     "U.S. District Judge Loretta Biggs ruled that the University of North Carolina has shown a compelling reason."),
    ("names swapped", "Owner Rod Newman said the opening was pushed back.",
     "Eco Rod Newman owner Box Fabricators said the opening was pushed back.",
     "Eco Box Fabricators owner Rod Newman said the opening was pushed back."),
    # "by" between the names in both the claim and the source: the same structure, so order is roles.
    ("names swapped", "Mayor London Breed spoke at a news conference where she was joined by Chief Bill Scott.",
     "Chief Bill Scott spoke at a news conference where she was joined by Mayor London Breed.",
     "Mayor London Breed spoke at a Tuesday news conference where she was joined by Chief Bill Scott."),
    ("quote", 'The mayor called the plan "a costly mistake".', 'The mayor called the plan "a disaster".',
     "The mayor called the plan “a costly mistake” on Monday."),
    ("quote", 'An EF-3 tornado is rated “strong”.', 'EF stands for "Extremely Strong".',
     'An EF-3 tornado is classified as "strong" and "severe," according to the weather service.'),
])
def test_each_rule_keeps_the_true_claim_and_refuses_the_wrong_one(rule, kept, refused, sentence):
    assert held_to(kept, sentence, sentence) is None
    reason = held_to(refused, sentence, sentence)
    assert reason is not None and reason.startswith(rule.split()[0])


def test_words_the_question_puts_in_quotes_are_the_askers_not_a_quote_of_the_source():
    question = 'Who testified, calling Robert F. Kennedy Jr a "predator" with "dangerous" medical views?'
    sentence = 'Caroline Kennedy called him a "predator" in a letter she sent to senators.'
    claim = 'Caroline Kennedy testified, calling Robert F. Kennedy Jr. a "predator" with "dangerous" medical views.'
    assert held_to(claim, sentence, sentence, question) is None
    assert held_to(claim, sentence, sentence) == 'quote: the source does not say "dangerous"'


def test_a_negation_or_a_figure_the_question_gives_is_the_askers_premise():
    question = "Which company said its CEO was ousted without board approval?"
    sentence = "Ben & Jerry's said its chief executive was removed by its parent company."
    claim = "Ben & Jerry's said its CEO was ousted without board approval."
    assert held_to(claim, sentence, sentence, question) is None
    assert held_to(claim, sentence, sentence).startswith("polarity")
    assert held_to("Ben & Jerry's did not say its CEO was ousted.", sentence, sentence, question).startswith("polarity")
    question = "Which state is working to contain a measles outbreak that has grown to at least 159 cases?"
    sentence = ("As Texas continues to contend with a growing measles outbreak that has sickened 159 and killed one, "
                "other states are reporting cases of the highly contagious disease.")
    claim = "Texas is working to contain a measles outbreak that has grown to at least 159 cases."
    assert held_to(claim, sentence, sentence, question) is None
    assert held_to(claim, sentence, sentence).startswith("figure")
    assert held_to("Texas reported 159 deaths.", sentence, sentence, question).startswith("figure")


def test_a_figure_given_for_something_else_is_no_support():
    sentence = "As of the latest reporting, there have been 36 attacks in Iraq and 37 in Syria."
    assert held_to("There have been 37 attacks in Syria.", sentence, SEED) is None
    reason = held_to("There are 37 U.S. troops stationed in Syria.", sentence, SEED)
    assert reason is not None and reason.startswith("figure: 37")


@pytest.mark.parametrize("paraphrase,sentence", [
    ("About 900 U.S. troops are in Syria.", TROOPS),
    ("The United States has 2,500 troops in Iraq.", TROOPS),
    ("It condemned the attacks.", SUDANI),
    ("The bridge costs $48 million.", BRIDGE),
    ("Support rose to 40%.", "Support for the plan rose to 40 percent in March."),
    ("Nobody was hurt.", "No one was hurt in the fire."),
])
def test_paraphrases_of_what_the_source_says_are_kept(paraphrase, sentence):
    assert held_to(paraphrase, sentence, sentence) is None


@pytest.mark.parametrize("reordered,swapped,sentence", [
    # A date moved to the front is no name swapped with the place after it.
    ("On Sunday, two men from Aurora walked into a store in Joliet.",
     "On Sunday, two men from Joliet walked into a store in Aurora.",
     "Two men from Aurora walked into a store in Joliet on Sunday."),
    ("On December 13, 2018, the pair attended the Society of Lincoln's Inn in London.",
     "On December 13, 2018, the pair attended the Society of London in Lincoln's Inn.",
     "The pair attended the Society of Lincoln's Inn in London on December 13, 2018."),
])
def test_a_claim_with_its_clauses_reordered_is_kept_and_names_swapped_in_it_are_not(reordered, swapped, sentence):
    assert held_to(reordered, sentence, sentence) is None
    reason = held_to(swapped, sentence, sentence)
    assert reason is not None and reason.startswith("names swapped")


def test_a_month_is_held_to_the_sentence_the_claim_rests_on_not_to_a_neighbour():
    sentence = "The commission is expected to receive a report in October from a panel."
    source = "The vote was set in January. " + sentence
    assert held_to("The commission expects a report in October.", sentence, source) is None
    reason = held_to("The commission expects a report in January.", sentence, source)
    assert reason == "date: the source says October, not January"
    assert held_to("Prices may rise, the panel said.", "Prices could rise in October, the panel said.",
                   "Prices may rise. Prices could rise in October, the panel said.") is None  # "may", the verb
    reason = held_to("In May, NASA announced a study.", "In June, NASA announced a study.",
                     "It may help. In June, NASA announced a study.")
    assert reason == "date: the source says June, not May"


def test_a_day_is_held_as_news_style_writes_it_and_to_the_claims_own_sentence():
    # "Nov. 15" (the abbreviation a month before a day), "11 January 2002" (the day first)
    sentence = "The five drawings will be conducted weekly starting Nov. 15."
    source = "Registration opens Nov. 9 on the site. " + sentence
    assert held_to("The drawings will be held weekly starting Nov. 15.", sentence, source) is None
    assert held_to("Starting Nov. 15, the drawings will be held weekly.", sentence, source) is None
    reason = held_to("The drawings will be held weekly starting Nov. 9.", sentence, source)
    assert reason == "date: the source says November 15, not November 9"
    sentence = "Guantanamo received its first detainees on 11 January 2002."
    assert held_to("Guantanamo received its first detainees on 11 January 2002.", sentence, sentence) is None
    reason = held_to("Guantanamo received its first detainees on 9 January 2002.", sentence, sentence)
    assert reason == "date: the source does not say 9 January"
    # "Jan" before no day is a name, not January
    assert held_to("Jan Koum sold the company.", "Jan Koum sold the company in February.",
                   "Jan Koum sold the company in February.") is None


def test_what_a_figure_counts_does_not_run_past_its_clause():
    sentence = "The Passenger Vessel Association says the correct figure is more than 200 million."
    assert held_to("The correct figure is more than 200 million, the Passenger Vessel Association says.", sentence,
                   sentence) is None


def test_a_day_of_the_month_is_a_date_not_a_figure_counting_what_follows():
    sentence = "Delta said it will waive ticket change fees for flights to Europe through May 31."
    assert held_to("It will waive change fees for flights to Europe through May 31, Delta said.", sentence,
                   sentence) is None
    reason = held_to("It will waive change fees for flights to Europe through May 30, Delta said.", sentence, sentence)
    assert reason is not None and reason.startswith("date")


def test_a_passive_sentence_names_the_roles_in_the_other_order():
    source = "The Department of Transportation announced Wednesday it was suing Southwest Airlines for delays."
    claim = "Southwest Airlines is being sued by the Department of Transportation over delayed flights."
    assert held_to(claim, source, source) is None


def test_a_number_that_names_something_counts_nothing():
    sentence = "Red No. 3, an additive that gives food and drinks a cherry-red color, was officially banned."
    assert held_to("Red No. 3 was banned from use in US foods this week.", sentence, sentence) is None
    assert held_to("Route 9 was closed by the flood.", "Route 9 closed on Monday after the flood.",
                   "Route 9 closed on Monday after the flood.") is None


def test_a_figure_put_at_a_place_the_source_gives_another_figure_is_refused():
    assert held_to("There are 2,500 U.S. troops stationed in Syria.", TROOPS, SEED) == (
        "figure: the source gives 900 for syria, not 2500")
    assert held_to("There are 900 U.S. troops stationed in Syria.", TROOPS, SEED) is None
    assert held_to("The US keeps 2,500 troops in Iraq.", TROOPS, SEED) is None


def test_a_claim_running_over_two_source_sentences_keeps_each_figure_with_its_place():
    two = ("The United States maintains a military presence of 900 troops in Syria and 2,500 in Iraq. "
           "As of the latest reporting, there have been 36 attacks in Iraq and 37 in Syria.")
    assert held_to(two, TROOPS, SEED) is None


@pytest.mark.parametrize("written,digits", [
    ("nine hundred troops", "900 troops"),
    ("two thousand five hundred in Iraq", "2500 in Iraq"),
    ("twenty-five million dollars", "25 million dollars"),  # the magnitude word stays for its rule
    ("$48 million", "$48 million"),
    ("seventy-eight attacks", "78 attacks"),
    ("one of the two men", "one of the two men"),  # a lone word up to ten stays a word
    ("twelve ships", "12 ships"),
    ("No one came", "No one came"),
])
def test_spelled_out_figures_are_read_as_digits(written, digits):
    assert figures_as_digits(written) == digits


def test_a_spelled_out_figure_in_the_wrong_place_is_refused():
    sentence = "The United States keeps nine hundred troops in Syria and two thousand five hundred in Iraq."
    assert held_to("The US has 900 troops in Syria and 2,500 in Iraq.", sentence, sentence) is None
    reason = held_to("The US has 2,500 troops in Syria and 900 in Iraq.", sentence, sentence)
    assert reason is not None and reason.startswith("figures swapped")


# Who did what to whom: each role, with a paraphrase that must be kept and the swap that must not.
MINISTER = "France's finance minister said Italy would miss its deficit target."
DEPOT = "Hale on Tuesday opened the depot at the Riverside yard."
OWNER = "Mara Quinn is chief of Brightway, which Northgate Capital bought in 2021."
CLUB = "The club scored 22 goals in its 30 matches."
STORM = "Ivo became the first Category 3 storm of the season when it made landfall on August 19."
POLLS = "Polls opened at 7 a.m. on Tuesday, the first election day of 2024."
STADIUM = "Built in 1998, the stadium seats 60,000 fans."
POLL = "Half said she is qualified, while 47% said she is not."
CASES = "Indiana has recorded 201 total cases, including 76 new cases announced Sunday."


@pytest.mark.parametrize("kept,refused,sentence,why", [
    ("The finance minister of France said Italy would miss its deficit target.",
     "Italy's finance minister said France would miss its deficit target.", MINISTER, "names swapped"),
    ("Hale opened the depot at the Riverside yard on Tuesday.",
     "Hale on Riverside opened the depot at the Tuesday yard.", DEPOT, "names swapped"),
    ("Mara Quinn is chief of Brightway, which Northgate Capital bought in 2021.",
     "Mara Quinn is chief of Northgate Capital, which Brightway bought in 2021.", OWNER, "names swapped"),
    ("The club scored 22 goals.", "The club scored 30 goals.", CLUB, "figure: 30 in the source is not about goal"),
    ("Indiana has recorded 76 new cases.", "Indiana has recorded 76 total cases.", CASES, "figure: 76"),
    ("Ivo was the first Category 3 storm of the season.", "Ivo was the first Category 19 storm of the season.",
     STORM, "figure: the source has Category 3, not Category 19"),
    ("Polls opened at 7 a.m.", "Polls opened at 2024 a.m.", POLLS, "figure: the source gives no clock time 2024"),
    ("The stadium was built in 1998.", "The stadium was built in 60,000.", STADIUM,
     "figure: the source has in 1998, not in 60000"),
])
def test_names_and_figures_keep_the_roles_their_sentence_gives_them(kept, refused, sentence, why):
    assert held_to(kept, sentence, sentence) is None
    reason = held_to(refused, sentence, sentence)
    assert reason is not None and reason.startswith(why), reason


@pytest.mark.parametrize("paraphrase,sentence", [
    ("The bridge will cost 48 million dollars.", BRIDGE),  # a unit restated
    ("Hale opened the depot on Tuesday.", DEPOT),
    ("The stadium seats 60,000 fans.", STADIUM),
    ("Polls opened at 7 a.m. on Tuesday.", POLLS),
    ("The United States has 2,500 troops in Iraq.", TROOPS),  # the counted noun said before, not after
    ("While 47% said she is not, half said she is qualified.", POLL),
])
def test_a_figure_said_as_its_sentence_says_it_keeps_its_role(paraphrase, sentence):
    assert held_to(paraphrase, sentence, sentence) is None


# A figure or a name put in the place the sentence gives another one (found on the dev parts of
# the adversarial set): refused; the same words in their own places are kept.
DODGERS = "The Dodgers have used 17 starters this year, and 11 have gone on the injured list."
TRAIL = "The Appalachian Trail stretches about 2,200 miles, through 14 states and 40 communities."
PLAYER = "It had a massive 32 megabytes of internal memory, enough for about eight full-quality songs."
IRS = "The IRS expects more than 140 million tax returns to be filed ahead of the April 15 deadline."
ORIGIN = "Wednesday, Young and his crewmates filled out postcards on behalf of Blue Origin's foundation."
SUNAK = "Sunak, who was Truss' biggest rival in that contest, is another possible candidate."
KELLY = "June 9, 1983: Ending a couple months of intrigue, Kelly decided to spurn the Bills."
# A headline run into the sentence after it, as article text often is once flattened.
PARK = "Crowd at Riverside Park cheered by fireworks Families gathered at Riverside Park on Monday evening."
TRIP = "Dana said she left her Millbrook home around 8 p.m. Monday for a trip to Alexandria which took an hour."
HART = "In September, Hart suffered a major back injury in a car crash in California."


@pytest.mark.parametrize("kept,refused,sentence,why", [
    ("The Dodgers have used 17 starters this year.", "The Dodgers have used 11 starters this year.", DODGERS,
     "figure: the source gives 17 for starter"),
    ("The Appalachian Trail runs through 14 states.", "The Appalachian Trail stretches about 14 miles.", TRAIL,
     "figure: the source gives 2200 for mil"),
    ("It had 32 megabytes of internal memory.", "It had 8 megabytes of internal memory.", PLAYER,
     "figure: 8 in the source is not about"),
    ("The IRS expects more than 140 million tax returns.", "The IRS expects more than 15 million tax returns.", IRS,
     "figure: the source gives 15 as a day of a month"),
    ("Young and his crewmates filled out postcards on Wednesday.",
     "Blue, Young and his crewmates filled out postcards on behalf of Wednesday Origin's foundation.", ORIGIN,
     "date: the source has Blue where the claim puts Wednesday"),
    ("Sunak was Truss' biggest rival in that contest.",
     "Truss, who was Sunak' biggest rival in that contest, is another possible candidate.", SUNAK,
     "name"),  # a swap, or a name in another's place
    ("Kelly decided to spurn the Bills.", "Kelly 9, 1983: Ending a couple months of intrigue, June decided to spurn "
     "the Bills.", KELLY, "date: the source has Kelly where the claim puts June"),
    # "by" in the headline is no passive between the name and the weekday the claim swapped
    ("Families gathered at Riverside Park on Monday evening.",
     "Families gathered at Monday on Riverside Park evening.", PARK, "names swapped"),
    # a name and a longer one holding it, each standing alone, are two names
    ("Sands owned the Venetian Resort, which included The Venetian.",
     "Sands owned the The Venetian, which included Venetian Resort.",
     "Sands owned the Venetian Resort, which included The Venetian, Palazzo and Venetian Expo.", "names swapped"),
    # the name opening the claim traded places with a weekday
    ("Dana left for a trip to Alexandria which took an hour.",
     "Alexandria for a trip to Monday which took an hour.", TRIP, "date: the source has Alexandria where the claim "
     "puts Monday"),
])
def test_a_figure_or_name_in_another_ones_place_is_refused(kept, refused, sentence, why):
    assert held_to(kept, sentence, sentence) is None
    reason = held_to(refused, sentence, sentence)
    assert reason is not None and reason.startswith(why), reason


@pytest.mark.parametrize("paraphrase,sentence", [
    ("Sunak is another possible candidate.", SUNAK),  # a relative clause made a sentence of its own
    ("Waste Management collects Jackson's garbage and recycling.",
     "Waste Management, which collects Jackson's garbage and recycling, argues the city can't cut recycling."),
    ("Hart suffered a major back injury in a car crash in California in September.", HART),
    ("Tiger Woods continued his uneven play.", "At No. 14, Tiger Woods continued his uneven play."),
    # a name and a part of it standing only inside it are one name, not two to swap
    ("The motive is unclear, the Attorney General's Office said.",
     "The Attorney General's Office said the motive is unclear."),
    # a negation in a headline run into the sentence negates no word the claim says
    ("Back in 2019, a bill was placed in front of the legislature of Alabama.",
     "No exceptions Back in 2019, a bill was placed in front of Alabama's legislature."),
    ("Trump himself may have been exposed to the virus.",
     "'I'm not concerned at all': Trump says he's not worried as the virus arrives Trump himself may have been "
     "exposed to the virus."),
    ("Florida House Bill 433 prohibits local governments from requiring water breaks.",
     "Florida House Bill 433, which DeSantis signed in April, prohibits local governments from requiring water "
     "breaks."),
    # "the N of X" for "X's N" puts X before a comma as "end of March," put March: no place is taken
    ("By the end of March, the app had 12 million users, or 19% of the population of Norway, a survey found.",
     "By the end of March, the app had 12 million users, or 19% of Norway's population, a survey found."),
])
def test_a_claim_keeping_each_word_in_its_place_is_kept(paraphrase, sentence):
    assert held_to(paraphrase, sentence, sentence) is None


def test_a_magnitude_after_a_word_is_held_to_the_source_however_written():
    sentence = "The deal would put several thousand carpenters back on the job, a quarter-million dollars a day."
    assert held_to("The deal would put several million carpenters back on the job.", sentence, sentence)
    assert held_to("It costs a quarter-billion dollars a day.", sentence, sentence)
    assert held_to("The deal would put several thousand carpenters back on the job.", sentence, sentence) is None
