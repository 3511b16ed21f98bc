"""Rotation players of the sandbox NBA: name as Kalshi writes it, jersey, role, and other spellings.

Eight players per team. The role sets the player's per-game means (``ROLE_MEANS``); the spellings are
what sportsbooks print instead of Kalshi's name (accents dropped, suffixes dropped, nicknames), so the
platform's name matching meets the variety it meets live. Rosters are loosely those of the 2025-26
season; this is a simulation, not a source of truth.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

STATS = ("points", "rebounds", "assists", "threes", "blocks", "steals")

# Per-game means by role: points, rebounds, assists, threes, blocks, steals.
ROLE_MEANS: dict[str, tuple[float, ...]] = {
    "PS": (24.0, 4.5, 8.5, 2.8, 0.3, 1.2),  # playmaking star
    "S": (25.5, 6.5, 4.8, 2.4, 0.7, 1.2),  # star wing
    "BS": (24.0, 11.0, 5.0, 0.9, 1.5, 1.0),  # star big
    "SC": (18.5, 4.3, 3.4, 2.4, 0.4, 0.9),  # scorer
    "G": (12.5, 3.4, 5.0, 1.8, 0.3, 1.1),  # guard
    "W": (11.5, 4.6, 2.2, 1.7, 0.5, 1.0),  # wing
    "B": (10.5, 8.8, 1.9, 0.1, 1.4, 0.6),  # big
    "X": (11.5, 6.3, 1.8, 1.5, 0.9, 0.6),  # stretch big
    "BN": (7.5, 3.0, 1.6, 0.9, 0.3, 0.6),  # bench
}


@dataclass(frozen=True)
class Player:
    team: str
    name: str  # as Kalshi titles it
    jersey: int
    role: str
    variants: tuple[str, ...] = ()  # other spellings a sportsbook may use

    @property
    def last_name(self) -> str:
        """The surname as Kalshi codes it in tickers: last word before any suffix, letters only."""
        words = [w for w in self.name.split() if w.rstrip(".").lower() not in
                 ("jr", "sr", "ii", "iii", "iv", "v")]
        plain = unicodedata.normalize("NFKD", words[-1])
        return "".join(c for c in plain if c.isascii() and c.isalpha()).upper()

    @property
    def code(self) -> str:
        """Kalshi's player code: team, first initial, surname, jersey (``TORSBARNES4``)."""
        return f"{self.team}{self.name[0].upper()}{self.last_name}{self.jersey}"


_ROSTERS = """
ATL|Trae Young|11|PS
ATL|Jalen Johnson|1|S
ATL|Dyson Daniels|5|G
ATL|Zaccharie Risacher|10|W
ATL|Onyeka Okongwu|17|B
ATL|Kristaps Porziņģis|8|X|Kristaps Porzingis
ATL|Nickeil Alexander-Walker|7|G|Nickeil Alexander Walker
ATL|Luke Kennard|3|BN
BOS|Jayson Tatum|0|S
BOS|Jaylen Brown|7|S
BOS|Derrick White|9|G
BOS|Payton Pritchard|11|SC
BOS|Anfernee Simons|4|SC
BOS|Neemias Queta|88|B
BOS|Sam Hauser|30|W
BOS|Chris Boucher|99|X
BKN|Cam Thomas|24|SC|Cameron Thomas
BKN|Michael Porter Jr.|17|S|Michael Porter
BKN|Nic Claxton|33|B|Nicolas Claxton
BKN|Noah Clowney|21|X
BKN|Day'Ron Sharpe|20|B|DayRon Sharpe
BKN|Terance Mann|14|W
BKN|Egor Dëmin|8|G|Egor Demin
BKN|Ziaire Williams|1|BN
CHA|LaMelo Ball|1|PS
CHA|Brandon Miller|24|S
CHA|Miles Bridges|0|SC
CHA|Kon Knueppel|7|W
CHA|Collin Sexton|2|SC
CHA|Ryan Kalkbrenner|11|B
CHA|Josh Green|10|W
CHA|Grant Williams|22|BN
CHI|Josh Giddey|3|PS
CHI|Coby White|0|SC
CHI|Nikola Vučević|9|BS|Nikola Vucevic
CHI|Matas Buzelis|14|W
CHI|Ayo Dosunmu|12|G
CHI|Kevin Huerter|13|W
CHI|Patrick Williams|44|W
CHI|Jalen Smith|7|B
CLE|Donovan Mitchell|45|S
CLE|Darius Garland|10|PS
CLE|Evan Mobley|4|BS
CLE|Jarrett Allen|31|B
CLE|De'Andre Hunter|12|W|DeAndre Hunter
CLE|Sam Merrill|5|BN
CLE|Max Strus|1|W
CLE|Lonzo Ball|2|G
DAL|Anthony Davis|3|BS
DAL|Cooper Flagg|32|S
DAL|Kyrie Irving|11|SC
DAL|Klay Thompson|31|W
DAL|P.J. Washington|25|X|PJ Washington
DAL|Dereck Lively II|2|B|Dereck Lively
DAL|Daniel Gafford|21|B
DAL|Max Christie|0|BN
DEN|Nikola Jokić|15|BS|Nikola Jokic
DEN|Jamal Murray|27|SC
DEN|Aaron Gordon|32|W
DEN|Christian Braun|0|W
DEN|Cameron Johnson|23|W|Cam Johnson
DEN|Jonas Valančiūnas|17|B|Jonas Valanciunas
DEN|Bruce Brown|11|BN|Bruce Brown Jr
DEN|Tim Hardaway Jr.|8|BN|Tim Hardaway
DET|Cade Cunningham|2|PS
DET|Jalen Duren|0|B
DET|Ausar Thompson|9|W
DET|Tobias Harris|12|W
DET|Jaden Ivey|23|SC
DET|Isaiah Stewart|28|B
DET|Duncan Robinson|55|W
DET|Caris LeVert|22|BN
GSW|Stephen Curry|30|S|Steph Curry
GSW|Jimmy Butler III|10|S|Jimmy Butler
GSW|Draymond Green|23|G
GSW|Brandin Podziemski|2|G
GSW|Jonathan Kuminga|1|W
GSW|Moses Moody|4|W
GSW|Buddy Hield|7|BN
GSW|Al Horford|20|X
HOU|Kevin Durant|7|S
HOU|Alperen Şengün|28|BS|Alperen Sengun
HOU|Amen Thompson|1|W
HOU|Jabari Smith Jr.|10|X|Jabari Smith
HOU|Fred VanVleet|5|G
HOU|Reed Sheppard|15|BN
HOU|Tari Eason|17|W
HOU|Steven Adams|12|B
IND|Pascal Siakam|43|S
IND|Andrew Nembhard|2|G
IND|Bennedict Mathurin|0|SC
IND|Aaron Nesmith|23|W
IND|T.J. McConnell|9|G|TJ McConnell
IND|Obi Toppin|1|X
IND|Isaiah Jackson|22|B
IND|Ben Sheppard|26|BN
LAC|Kawhi Leonard|2|S
LAC|James Harden|1|PS
LAC|Ivica Zubac|40|B
LAC|Bradley Beal|0|SC
LAC|John Collins|20|X
LAC|Derrick Jones Jr.|55|W|Derrick Jones
LAC|Kris Dunn|8|BN
LAC|Nicolas Batum|33|BN
LAL|Luka Dončić|77|PS|Luka Doncic
LAL|LeBron James|23|S
LAL|Austin Reaves|15|SC
LAL|Deandre Ayton|5|B
LAL|Rui Hachimura|28|W
LAL|Marcus Smart|36|G
LAL|Jake LaRavia|12|W
LAL|Jaxson Hayes|11|B
MEM|Ja Morant|12|PS
MEM|Jaren Jackson Jr.|8|BS|Jaren Jackson
MEM|Kentavious Caldwell-Pope|5|W|Kentavious Caldwell Pope
MEM|Zach Edey|14|B
MEM|Santi Aldama|7|X
MEM|Jaylen Wells|0|W
MEM|Cam Spencer|24|BN
MEM|Ty Jerome|2|G
MIA|Bam Adebayo|13|BS
MIA|Tyler Herro|14|SC
MIA|Norman Powell|24|SC
MIA|Andrew Wiggins|22|W
MIA|Kel'el Ware|7|B|Kelel Ware
MIA|Davion Mitchell|45|G
MIA|Jaime Jaquez Jr.|11|W|Jaime Jaquez
MIA|Nikola Jović|5|X|Nikola Jovic
MIL|Giannis Antetokounmpo|34|BS
MIL|Myles Turner|3|X
MIL|Kevin Porter Jr.|7|G|Kevin Porter
MIL|Bobby Portis|9|X
MIL|Kyle Kuzma|18|W
MIL|Gary Trent Jr.|5|W|Gary Trent
MIL|Ryan Rollins|13|G
MIL|AJ Green|20|BN|A.J. Green
MIN|Anthony Edwards|5|S
MIN|Julius Randle|30|SC
MIN|Rudy Gobert|27|B
MIN|Jaden McDaniels|3|W
MIN|Naz Reid|11|X
MIN|Donte DiVincenzo|0|G
MIN|Mike Conley|10|G|Michael Conley
MIN|Terrence Shannon Jr.|1|BN|Terrence Shannon
NOP|Zion Williamson|1|S
NOP|Trey Murphy III|25|SC|Trey Murphy
NOP|Herbert Jones|2|W|Herb Jones
NOP|Jordan Poole|3|SC
NOP|Derik Queen|22|B
NOP|Jeremiah Fears|0|G
NOP|Yves Missi|21|B
NOP|Saddiq Bey|41|W
NYK|Jalen Brunson|11|PS
NYK|Karl-Anthony Towns|32|BS|Karl Anthony Towns
NYK|OG Anunoby|8|W|O.G. Anunoby
NYK|Mikal Bridges|25|W
NYK|Josh Hart|3|G
NYK|Mitchell Robinson|23|B
NYK|Jordan Clarkson|0|BN
NYK|Miles McBride|2|BN
OKC|Shai Gilgeous-Alexander|2|S|Shai Gilgeous Alexander
OKC|Jalen Williams|8|SC
OKC|Chet Holmgren|7|X
OKC|Isaiah Hartenstein|55|B
OKC|Luguentz Dort|5|W|Lu Dort
OKC|Alex Caruso|9|G
OKC|Cason Wallace|22|G
OKC|Aaron Wiggins|21|BN
ORL|Paolo Banchero|5|S
ORL|Franz Wagner|22|S
ORL|Desmond Bane|3|SC
ORL|Jalen Suggs|4|G
ORL|Wendell Carter Jr.|34|B|Wendell Carter
ORL|Anthony Black|0|G
ORL|Goga Bitadze|35|B
ORL|Moritz Wagner|21|BN|Moe Wagner
PHI|Joel Embiid|21|BS
PHI|Tyrese Maxey|0|PS
PHI|Paul George|8|S
PHI|VJ Edgecombe|77|W|V.J. Edgecombe
PHI|Kelly Oubre Jr.|9|W|Kelly Oubre
PHI|Andre Drummond|1|B
PHI|Quentin Grimes|5|SC
PHI|Kyle Lowry|7|BN
PHX|Devin Booker|1|S
PHX|Jalen Green|4|SC
PHX|Dillon Brooks|3|W
PHX|Mark Williams|15|B
PHX|Grayson Allen|8|W
PHX|Royce O'Neale|0|W|Royce ONeale
PHX|Collin Gillespie|12|G
PHX|Ryan Dunn|0|BN
POR|Deni Avdija|8|S
POR|Shaedon Sharpe|17|SC
POR|Scoot Henderson|0|G
POR|Jerami Grant|9|SC
POR|Donovan Clingan|23|B
POR|Toumani Camara|33|W
POR|Jrue Holiday|5|G
POR|Robert Williams III|35|B|Robert Williams
SAC|Domantas Sabonis|10|BS
SAC|Zach LaVine|8|SC
SAC|DeMar DeRozan|11|SC
SAC|Malik Monk|0|SC
SAC|Keegan Murray|13|W
SAC|Russell Westbrook|18|G
SAC|Dennis Schröder|17|G|Dennis Schroder
SAC|Keon Ellis|23|BN
SAS|Victor Wembanyama|1|BS
SAS|De'Aaron Fox|4|PS|DeAaron Fox
SAS|Stephon Castle|5|G
SAS|Devin Vassell|24|W
SAS|Harrison Barnes|40|W
SAS|Dylan Harper|2|G
SAS|Keldon Johnson|3|BN
SAS|Luke Kornet|7|B
TOR|Scottie Barnes|4|S
TOR|Brandon Ingram|3|SC
TOR|RJ Barrett|9|SC|RJ Barrett Jr.
TOR|Immanuel Quickley|5|G
TOR|Jakob Pöltl|19|B|Jakob Poeltl
TOR|Gradey Dick|1|W
TOR|Ja'Kobe Walter|14|BN|JaKobe Walter
TOR|Sandro Mamukelashvili|54|X
UTA|Lauri Markkanen|23|S
UTA|Keyonte George|3|G
UTA|Walker Kessler|24|B
UTA|Jusuf Nurkić|30|B|Jusuf Nurkic
UTA|Ace Bailey|19|W
UTA|Isaiah Collier|13|G
UTA|Svi Mykhailiuk|10|BN
UTA|Kyle Anderson|1|BN
WAS|CJ McCollum|3|SC|C.J. McCollum
WAS|Alex Sarr|20|B
WAS|Bilal Coulibaly|0|W
WAS|Khris Middleton|22|W
WAS|Bub Carrington|8|G|Carlton Carrington
WAS|Kyshawn George|18|W
WAS|Marvin Bagley III|35|B|Marvin Bagley
WAS|Tre Johnson|12|SC
"""


def _load() -> dict[str, tuple[Player, ...]]:
    teams: dict[str, list[Player]] = {}
    for line in _ROSTERS.strip().splitlines():
        team, name, jersey, role, *variants = line.split("|")
        if role not in ROLE_MEANS:
            raise ValueError(f"roster line {line!r}: unknown role {role!r}")
        player = Player(team, name, int(jersey), role, tuple(v for v in variants if v))
        teams.setdefault(team, []).append(player)
    return {team: tuple(players) for team, players in teams.items()}


ROSTERS: dict[str, tuple[Player, ...]] = _load()
