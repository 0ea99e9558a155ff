"""The vocabulary of synthetic prose: English words of news and aid-agency reporting on displacement, by part of
speech, each list roughly in order of how often such reporting uses them (the first is drawn most often: see
``tracker/synthetic/prose.py``, which draws rank r with a Zipf-like weight 1 / (r + 2.7)).

Plain ASCII words (a few hyphenated): a template puts them between spaces and punctuation, so that the words of
a sentence are the words of its parts (``tracker.search.tokens``).
"""

NOUNS = """
people families residents civilians children fighting area town village camp aid homes city region border water
food shelter clashes violence government forces situation week month authorities women conditions district security
attacks shelling humanitarian agencies access province health needs support days assistance men community hospital
response numbers airstrikes violence floods supplies refugees displacement winter road roads convoy markets crisis
conflict operations population services emergency reports villages officials sites settlements fighters militants
rains drought season food prices tents schools lives crops livestock houses neighbourhoods streets centres clinics
wells latrines sanitation hygiene medicine medicines doctors nurses volunteers staff teams partners donors funding
appeal plan capacity shortages fuel electricity power transport trucks checkpoints routes corridor crossing bridge
river valley mountains hills desert coast island outskirts countryside farmland fields harvest seeds cattle goats
sheep herders farmers traders workers teachers students elderly infants mothers fathers households relatives
neighbours host communities newcomers arrivals returnees survivors victims casualties deaths injuries wounded
disease outbreak cholera measles malaria diarrhoea malnutrition hunger famine thirst heat cold snow storm storms
cyclone earthquake landslide landslides flooding mudslides wildfire fires smoke ash debris rubble ruins damage
destruction losses property belongings documents identity registration verification assessment survey data figures
estimates count counts tally census records lists monitoring tracking reporting coverage update updates statement
statements briefing briefings interview interviews testimony accounts witnesses spokesperson spokesman official
ministry governor mayor council committee commission mission office headquarters unit units brigade battalion
troops soldiers army police militia militias rebels insurgents gunmen groups factions coalition alliance opposition
ceasefire truce talks negotiations agreement deal offensive advance retreat withdrawal siege blockade curfew
lockdown restrictions evacuation evacuations relocation relocations transfer transfers return returns movement
movements flows influx exodus wave surge increase rise decline drop fall number share proportion majority minority
half third quarter percent total rest others many thousands hundreds dozens millions tens families kitchens meals
rations parcels kits blankets mattresses tarpaulins jerrycans buckets soap cash vouchers grants loans jobs income
livelihoods savings debts rent landlords tenants buildings apartments shelters dormitories warehouses mosques
churches stadiums factories barracks compounds containers caravans prefabs plots land tenure eviction evictions
demolitions closures closure consolidation relocation expansion extension construction repairs rehabilitation
reconstruction recovery resilience preparedness prevention protection safety risk risks threats dangers mines
explosives ordnance unexploded remnants snipers sniper artillery rockets mortars drones missiles bombs bombardment
raids raid incursion incursions ambush ambushes kidnappings abductions detentions arrests killings massacre abuses
violations harassment extortion looting theft arson burning torching fear panic trauma distress grief anger hope
uncertainty confusion rumours warnings alerts messages calls phone phones radio television news media journalists
reporters photographers observers monitors inspectors investigators researchers analysts experts advocates lawyers
judges courts justice law rights dignity freedom asylum refuge sanctuary haven destination origin transit journey
trip walk foot buses cars motorcycles carts donkeys boats ferries flights planes airport port harbour station
terminal highway track path trail gates fence wall walls barrier barriers zone zones perimeter frontline front line
positions territory territories control areas pockets enclaves districts subdistricts provinces states regions
capital outskirts suburbs slums quarters blocks compounds courtyards rooftops basements cellars caves forests woods
swamps marshes lakes dams canals irrigation pumps pipes tanks trucking networks systems facilities infrastructure
equipment vehicles ambulances generators solar panels lighting toilets showers bathing washing laundry cooking
firewood charcoal gas stoves heaters clothing shoes winterization insulation plastic sheeting timber cement tools
training awareness education classes lessons exams certificates registration cards tokens queues lines crowds
gatherings protests demonstrations tensions disputes grievances complaints feedback hotlines referrals cases case
management counselling psychosocial support services interpreters translators guides leaders elders chiefs sheikhs
imams priests clerics tribes clans families households heads orphans widows youth adolescents girls boys babies
newborns pregnant lactating disabled disability disabilities chronic illness patients beds wards theatres surgery
vaccines vaccination campaign campaigns screening referral treatment cases deaths toll
"""

VERBS = """
said reported fled left arrived returned moved displaced remained told added stated warned estimated confirmed
described noted explained called urged appealed announced recorded registered counted received hosted sheltered
provided delivered distributed reached crossed entered walked travelled sought found lost abandoned destroyed damaged
burned looted shelled attacked bombed struck hit killed wounded injured trapped besieged surrounded blocked closed
opened reopened evacuated relocated transferred resettled settled stayed lived slept waited gathered queued fled
escaped ran hid sheltered camped pitched built set erected cleared repaired restored resumed suspended halted stopped
paused delayed postponed cancelled denied refused allowed permitted facilitated negotiated agreed signed broke
violated accused blamed claimed insisted acknowledged admitted rejected dismissed questioned doubted verified
assessed surveyed monitored tracked documented collected compiled published released issued shared updated revised
raised lowered increased doubled tripled halved rose fell dropped declined surged spiked peaked slowed eased worsened
deteriorated improved stabilised intensified escalated spread expanded shifted advanced retreated withdrew pushed
captured seized took held controlled recaptured regained lost surrendered defected joined fought clashed engaged
targeted hit struck fired launched shot detained arrested abducted kidnapped released freed exchanged deported
expelled evicted forced compelled pressured threatened intimidated harassed warned ordered instructed told asked
requested demanded needed lacked struggled coped managed handled absorbed accommodated welcomed integrated supported
helped assisted served treated vaccinated screened fed housed clothed employed paid funded pledged donated allocated
spent mobilised deployed dispatched sent shipped trucked airlifted flown transported carried brought took collected
drew fetched shared split divided sold bought borrowed rented owned inherited planted harvested grazed herded fished
farmed worked studied taught learned attended enrolled dropped missed reunited separated married buried mourned
prayed feared hoped worried complained protested demonstrated marched rallied gathered met discussed debated decided
planned prepared anticipated expected projected predicted forecast estimated calculated recorded logged entered
flagged verified cross-checked
"""

ADJECTIVES = """
displaced new humanitarian local many several recent heavy critical urgent severe basic internal northern southern
eastern western central rural urban overcrowded makeshift informal formal temporary permanent official unofficial
available limited insufficient inadequate scarce dire difficult harsh poor worse worst better safe unsafe dangerous
vulnerable elderly young pregnant sick injured wounded missing dead alive hungry thirsty exhausted frightened afraid
traumatised desperate angry frustrated uncertain unclear unknown unverified preliminary initial latest final total
overall additional further continued ongoing renewed sporadic intense fierce deadly violent peaceful calm quiet tense
fragile volatile unstable stable relative nearby neighbouring surrounding remote isolated inaccessible besieged
contested frontline cross-border international national regional provincial municipal public private religious
tribal ethnic political military armed civilian medical mobile fixed primary secondary main major minor large small
huge massive significant substantial considerable modest steady sharp sudden gradual rapid slow seasonal annual
monthly weekly daily nightly early late previous following next coming past current present former future long short
wide narrow open closed crowded empty full damaged destroyed intact flooded dry wet cold hot freezing extreme mild
clean dirty contaminated safe potable drinking fresh spoiled expensive cheap affordable free unpaid paid reliable
irregular regular consistent conflicting contradictory independent joint coordinated combined separate similar
different same other certain particular specific general common rare frequent repeated multiple single double
"""

ADVERBS = """
now also still already recently again reportedly currently nearly almost only just mostly largely mainly partly
fully completely entirely slightly sharply steadily gradually rapidly quickly slowly suddenly finally eventually
initially previously later earlier soon immediately temporarily permanently officially reportedly allegedly
reportedly apparently clearly increasingly particularly especially severely badly heavily widely
"""

# What drives people from their homes, as a sentence names it ("as {cause} spread", "fleeing {cause}").
CAUSES = """
fighting|clashes|shelling|airstrikes|renewed fighting|heavy fighting|an offensive|a government offensive|the floods|
heavy rains|flooding|drought|the drought|insecurity|violence|attacks by armed groups|intercommunal violence|
artillery fire|drone strikes|the siege|the advance of armed groups|raids on villages|a cyclone|a landslide|the
earthquake|military operations|ground operations|bombardment|the blockade|food shortages|crop failure|evictions|
threats|kidnappings|the fighting in nearby villages|rocket fire|cattle raids|land disputes|tribal clashes|
a wave of killings|the collapse of a dam|rising waters|the cold|a cholera outbreak|armed clashes|reprisal attacks|
sniper fire|mortar fire|the closure of the crossing|a ceasefire breakdown|the fall of the town|looting|arson attacks
"""

WHEN = """
last week|on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|on Saturday|on Sunday|over the weekend|
in recent days|overnight|this month|last month|earlier this year|since the start of the year|in the past week|
in the past two weeks|in the past month|since early March|since late January|since mid-October|during the night|
within 48 hours|in a single day|over three days|since the ceasefire collapsed|since the fighting began|
in the first week of the offensive|as the rains began|after the floods|before the harvest|in the last 24 hours|
in less than a week|over the past fortnight|by the end of the month|as of this week|at the weekend|in the morning|
late on Thursday|early on Sunday|since the offensive began|ahead of the winter
"""

FIRST_NAMES = """
Amina Fatima Mariam Aisha Zainab Hawa Halima Khadija Nour Rania Layla Samira Hana Salma Yasmin Amal Sara Rahma
Mohammed Ahmed Ali Hassan Hussein Omar Ibrahim Yusuf Abdullah Khalid Mustafa Tariq Salim Karim Jamal Adnan Bashir
Musa Issa Idris Adam Daoud Suleiman Ismail Hamid Nasser Faisal Walid Rami Ayman Ziad Anas Bilal Hamza Osman
Grace Mercy Esther Ruth Joy Faith Blessing Agnes Mary Rose Jane Alice Beatrice Josephine Christine Monica
John Peter Paul James Joseph David Samuel Daniel Emmanuel Patrick Francis Moses Simon Michael Robert George
"""

OCCUPATIONS = """
farmer|teacher|nurse|trader|mother of five|father of three|shopkeeper|driver|herder|community leader|camp manager|
health worker|volunteer|student|fisherman|tailor|mechanic|village elder|local official|aid worker|doctor|midwife|
carpenter|widow|grandmother|displaced teacher|school principal|market trader|water engineer|protection officer
"""

ROLES = """
a spokesperson for|the head of|a senior official at|a field coordinator with|an emergency officer at|the country
director of|a protection officer with|a representative of|a statement from|a report by|an update from|
the local office of|a volunteer with|a doctor with|the programme manager at
"""
