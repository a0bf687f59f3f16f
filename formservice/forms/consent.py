"""Samtykke: the parents' consent to obtain and share information, with a guidance page."""
from . import fields as f
from .base import Block
from .blocks import Child
from .definition import FormDefinition

CUSTODY = (
    ("joint", "Fælles forældremyndighed"),
    ("sole", "Eneforældremyndighed"),
    ("none", "Ingen forældremyndighed"),
)
PROFESSIONS = (
    ("daycare_school", "Dagtilbud/skole"),
    ("psychologist", "PPR-psykolog"),
    ("speech_consultant", "Sprogkonsulent/tale-hørelærer"),
    ("health_visitor", "Sundhedsplejerske"),
    ("doctor", "Læge"),
    ("therapist", "Fysio-/ergoterapeut"),
    ("caseworker", "Socialrådgiver/sagsbehandler (myndighed)"),
    ("pedagogical_advisor", "Pædagogisk vejleder"),
    ("other", "Andet"),
)
# Professions covered by the Health Act: consent to them lasts one year at most.
HEALTH_PROFESSIONS = ("health_visitor", "doctor", "therapist")
DIRECTIONS = (
    ("obtain", "Indhente oplysninger fra"),
    ("share", "Videregive oplysninger til"),
    ("both", "Begge dele"),
)
CONSENT_FORMS = (("written", "Skriftligt"), ("oral", "Mundtligt"))


class CustodyHolder(Block):
    name = f.text("Navn")
    address = f.text("Adresse")
    custody = f.choice("Forældremyndighed", CUSTODY)
    lives_with_child = f.flag("Bor med barnet")
    signed_date = f.date("Underskrevet den")
    # A person with the holder's power of attorney may sign for them; it then counts as
    # the holder's consent. The form records who signed and the date of the fuldmagt.
    proxy_name = f.text("Underskrevet med fuldmagt af")
    proxy_date = f.date("Fuldmagten er dateret")


class Household(Block):
    parents_live_together = f.flag("Forældrene bor sammen")


class WhoConsents(Block):
    both_parents_influence = f.flag(
        "Begge forældres indflydelse på barnet skal drøftes",
        help="Så skal begge forældre give samtykke, også uden fælles forældremyndighed.")
    sole_signer_reason = f.text(
        "Begrundelse, hvis kun den forælder, barnet bor hos, giver samtykke", multiline=True,
        help="Kun ved fælles forældremyndighed og forskellige adresser, når den anden "
             "forælder ikke kan nås (fx i udlandet eller på hospitalet), og samtalen ikke "
             "kan vente.")


class YoungPerson(Block):
    heard = f.flag("Den unge er hørt")
    view = f.text("Den unges egen holdning", multiline=True)
    co_signed = f.flag("Den unge (15 år eller derover) har skrevet under")


class Purpose(Block):
    purpose = f.text("Formålet med samtykket", required=True, multiline=True,
                     help="Skriv konkret, hvad oplysningerne skal bruges til.")


class InformationKinds(Block):
    development = f.flag("Barnets udvikling, trivsel og læring")
    health = f.flag("Barnets helbred")
    family = f.flag("Familiens forhold")
    school_daycare = f.flag("Forhold i dagtilbud/skole")
    parent_health = f.flag("En forælders helbred, fx alvorlig sygdom")
    parent_abuse = f.flag("Misbrug hos en forælder")
    parent_crime = f.flag("Kriminelle forhold hos en forælder")
    other = f.text("Andre oplysninger", multiline=True)


class Party(Block):
    party = f.text("Part (navn eller faggruppe)")
    profession = f.choice("Faggruppe", PROFESSIONS)
    direction = f.choice("Indhente, videregive eller begge", DIRECTIONS)


class Validity(Block):
    valid_from = f.date("Gælder fra")
    valid_until = f.date("Gælder til")


class Given(Block):
    given_as = f.choice("Samtykket er givet", CONSENT_FORMS)
    oral_noted_by = f.text("Mundtligt samtykke noteret af")
    oral_noted_date = f.date("Mundtligt samtykke noteret den")


class Refusal(Block):
    refused = f.flag("Samtykke afvist")
    refused_date = f.date("Afvist den")


class Revocation(Block):
    revoked = f.flag("Samtykket er trukket tilbage")
    revoked_date = f.date("Trukket tilbage den")
    revoked_by = f.text("Trukket tilbage af")
    scope = f.text("Hvad tilbagekaldelsen omfatter", multiline=True)


class Consent(Block):
    child = f.section(Child, "Barnet")
    custody_holders = f.group(CustodyHolder, "Forældremyndighedsindehavere", blank_rows=2)
    household = f.section(Household, "Forældrenes bopæl")
    who_consents = f.section(WhoConsents, "Hvem giver samtykke")
    young_person = f.section(YoungPerson, "Den unges stemme (fra 15 år)")
    purpose = f.section(Purpose, "Formål")
    information = f.section(
        InformationKinds, "Oplysninger samtykket omfatter",
        help="Sæt kun kryds ved det, I er enige om. Intet er afkrydset på forhånd.")
    parties = f.group(Party, "Parter oplysningerne må indhentes fra eller videregives til",
                      blank_rows=4)
    validity = f.section(Validity, "Varighed",
                         help="Samtykke til sundhedspersoner gælder højst ét år.")
    given = f.section(Given, "Form")
    refusal = f.section(Refusal, "Afvisning")
    revocation = f.section(Revocation, "Tilbagekaldelse")


GUIDANCE = (
    ("Vejledning om samtykke", (
        "Hvorfor beder vi om samtykke?",
        "Når vi holder møder om jeres barn sammen med andre fagpersoner, har vi brug for "
        "at tale om barnet og om forhold i familien, som har betydning for, hvordan barnet "
        "har det. Vi har tavshedspligt. Derfor må vi kun hente oplysninger hos andre eller "
        "give oplysninger videre, når I som forældre har sagt ja til det. Jeres samtykke "
        "gør det også muligt for os at finde de bedste løsninger sammen med jer.",
        "Det er frivilligt",
        "I bestemmer selv, om I vil give samtykke, og I kan sige nej. Et nej får ikke "
        "betydning for, hvordan vi i øvrigt tager os af jeres barn.",
        "Det er konkret",
        "Samtykket gælder kun det formål, der står på skemaet, de slags oplysninger, I har "
        "sat kryds ved, og de parter, der står nævnt. Skal oplysningerne bruges til noget "
        "andet, fx en pædagogisk psykologisk vurdering, beder vi om et nyt samtykke.",
        "I skal vide, hvad I siger ja til",
        "Spørg, hvis noget er uklart. Vi forklarer gerne, hvilke oplysninger det drejer sig "
        "om, hvem der får dem, og hvad de skal bruges til.",
        "I kan trække samtykket tilbage",
        "I kan til enhver tid trække samtykket tilbage, helt eller delvist, skriftligt eller "
        "mundtligt. Det gælder fra det øjeblik, I siger det. Oplysninger, der allerede er "
        "givet videre, kan ikke kaldes tilbage.",
        "Hvem skal skrive under?",
        "Har I fælles forældremyndighed og bor sammen, er det nok, at den ene af jer giver "
        "samtykke. Har I fælles forældremyndighed, men bor hver for sig, skal I begge give "
        "samtykke. Har én forælder forældremyndigheden alene, er dennes samtykke nok. En "
        "ung på 15 år eller derover bliver hørt og kan skrive under sammen med forældrene. "
        "Skal vi tale om begge forældres indflydelse på barnet, skal begge give samtykke, "
        "også selv om kun den ene har forældremyndigheden.",
        "Når den anden forælder ikke kan nås",
        "Bor I hver for sig med fælles forældremyndighed, og kan den anden forælder ikke "
        "nås – fx fordi han eller hun er i udlandet eller på hospitalet – og kan samtalen "
        "ikke vente, kan den forælder, barnet bor hos, give samtykke alene. Vi skriver "
        "begrundelsen på skemaet og beder den anden forælder om samtykke, så snart det "
        "er muligt.",
        "Underskrift med fuldmagt",
        "Har en forælder givet en anden person fuldmagt, kan den person skrive under for "
        "forælderen. Vi skriver på skemaet, hvem der har skrevet under, og hvilken dato "
        "fuldmagten har.",
        "Oplysninger om en forælder",
        "Skal vi tale om en forælders egne forhold, fx alvorlig sygdom, misbrug eller "
        "kriminalitet, kræver det samtykke fra netop den forælder.",
        "Hvor længe gælder samtykket?",
        "Samtykket gælder i den periode, der står på skemaet, og kun så længe formålet "
        "gælder. Omfatter det sundhedspersoner som sundhedsplejerske, læge eller terapeut, "
        "gælder det højst ét år fra underskriften.",
        "Mundtligt samtykke",
        "I kan også give samtykke mundtligt. Så skriver fagpersonen ned, hvad I har sagt ja "
        "til, hvem der noterede det, og hvornår.",
        "Når vi må dele oplysninger uden samtykke",
        "Er vi bekymrede for, at et barn har brug for særlig støtte, har alle fagpersoner "
        "pligt til at underrette kommunen. Den pligt gælder, selv om der ikke er givet "
        "samtykke, og går forud for tavshedspligten. Det samme gælder i akutte situationer, "
        "hvor hensynet til barnet kræver det.",
        "I får en kopi",
        "Når samtykket er skrevet under, får I en kopi af det, så I altid kan se, hvad I har "
        "sagt ja til, hvem der må få oplysningerne, og hvor længe samtykket gælder.",
        "Hvor gemmes samtykket?",
        "Samtykket gemmes i kommunens sikre system sammen med dagsordener og referater fra "
        "møderne om jeres barn. Kun de fagpersoner, der arbejder med jeres barn, kan se det, og "
        "oplysningerne bruges kun til det, der står i samtykket. Når samtykket udløber eller "
        "bliver trukket tilbage, skrives det på skemaet, og det bruges ikke mere.",
        "Spørgsmål",
        "Har I spørgsmål til samtykket, eller vil I vide, hvilke oplysninger vi har delt, så "
        "spørg os. Vi svarer gerne, også efter at I har skrevet under.",
    )),
)

FORM = FormDefinition(
    id="consent",
    version=1,
    title="Samtykke til indhentning og udveksling af oplysninger",
    schema=Consent,
    intro="Samtykke fra forældremyndighedsindehaverne i forbindelse med udviklings- og "
          "netværksmøder. Læs vejledningen først – den forklarer, hvad I siger ja til.",
    guidance=GUIDANCE,
)
