/*
 * The synthetic evidence database for benchmarks (see synth.h).
 *
 * Everything comes from one seeded PRNG (splitmix64), never from the clock or
 * the environment, and rows are inserted in one order, so a given --claims and
 * --seed always give the same .dump. The build runs in one transaction with
 * prepared statements and writes PATH.tmp, renamed to PATH at the end.
 */
#include "synth.h"

#include "buf.h"
#include "db.h"
#include "evidence.h"
#include "pdate.h"
#include "search_repo.h"
#include "sha256.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- deterministic randomness ---------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t R_u64(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t R_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((R_u64(r) >> 32) * (uint64_t)n) >> 32);
}

static int R_range(struct rng *r, int lo, int hi)
{
    return lo + (int)R_below(r, (uint32_t)(hi - lo + 1));
}

static bool R_chance(struct rng *r, unsigned pct)
{
    return R_below(r, 100) < pct;
}

static double R_unit(struct rng *r)
{
    return (double)(R_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Index drawn with the given integer weights. */
static size_t R_weighted(struct rng *r, const unsigned *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    unsigned x = R_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define PICK(r, a) ((a)[R_below((r), (uint32_t)NELEM(a))])

/* ---- vocabulary ------------------------------------------------------------------------ */

/* Spelling variants are separated by '|'; the first is the canonical name. */
static const char *const first_names[] = {
    "Mohammed|Mohamed|Muhammad",
    "Abdelhak|Abdelhaq",
    "Anas|Anass",
    "Youssef|Yousef|Youssouf",
    "Hassan",
    "Ahmed|Ahmad",
    "Karim|Kareem",
    "Omar|Umar",
    "Rachid|Rashid",
    "Said|Saïd",
    "Khalid|Khaled",
    "Abdelilah",
    "Souad|Suad",
    "Fatima|Fatema",
    "Nadia",
    "Leila|Laila",
    "Samira",
    "Hamza",
    "Mustapha|Mustafa",
    "Abdelkrim|Abdelkarim",
    "Driss|Idriss",
    "Zakaria|Zakariya",
    "Ilham",
    "Nabil",
    "Hicham|Hisham",
};
static const char *const last_names[] = {
    "El Haloui|Haloui",
    "Masbah",
    "Khiame|Khiam",
    "Benkirane",
    "Rafiki|al-Rafiqi",
    "Tazi",
    "Alaoui",
    "Bennani",
    "Berrada",
    "Chraibi|Chraïbi",
    "El Fassi|Fassi",
    "Idrissi|El Idrissi",
    "Lahlou",
    "Ouazzani",
    "Benjelloun",
    "Amrani|El Amrani",
    "Kettani|al-Kettani",
    "Ahmadoun",
    "Zerrouali",
    "Bouzid",
    "Hajji|El Hajji",
    "Naciri",
    "Sebti",
    "Mansouri|El Mansouri",
};
static const char *const places[] = {
    "Morocco",
    "Rabat",
    "Casablanca|Casa",
    "Fez|Fès",
    "Tangier|Tanger",
    "Tetouan|Tétouan",
    "Sale|Salé",
    "Marrakesh|Marrakech",
    "Agadir",
    "Oujda",
    "Nador",
    "Fnideq",
    "Meknes|Meknès",
    "Kenitra|Kénitra",
    "Al Hoceima|Al-Hoceima",
    "Beni Mellal",
    "Syria",
    "Iraq",
    "Libya",
    "Mali",
    "Tunisia",
    "Algeria",
    "Spain|España",
    "Belgium",
    "France",
    "Netherlands",
    "Germany",
    "Turkey|Türkiye",
    "Raqqa|Al-Raqqa|Rakka",
    "Mosul",
    "Idlib",
    "Aleppo",
    "Sahel",
    "Sidi Moumen",
    "Ceuta",
    "Melilla",
};
static const char *const orgs_base[] = {
    "General Delegation for Prison Administration and Reintegration|DGAPR|Délégation générale à "
    "l'administration pénitentiaire et à la réinsertion",
    "Central Bureau of Judicial Investigations|BCIJ",
    "National Human Rights Council|CNDH|Conseil national des droits de l'Homme",
    "Rabita Mohammadia of Ulemas|Rabita|Rabita Mohammadia des Oulémas",
    "Ministry of Interior|Interior Ministry",
    "Ministry of Justice",
    "International Crisis Group|Crisis Group|ICG",
    "Chatham House",
    "Al-Monitor",
    "Morocco World News|MWN",
    "Hespress",
    "TelQuel",
    "Carnegie Endowment for International Peace|Carnegie",
    "Moroccan Institute for Policy Analysis|MIPA",
    "American Foreign Policy Council|AFPC",
    "Mohammed VI Foundation for the Reintegration of Prisoners|Mohammed VI Foundation",
    "General Directorate for Territorial Surveillance|DGST",
    "The Soufan Group|Soufan Group",
    "Amnesty International|Amnesty",
    "Human Rights Watch|HRW",
    "Moroccan Association for Human Rights|AMDH",
    "Ministry of Habous and Islamic Affairs|Ministry of Endowments and Islamic Affairs",
    "United Nations Development Programme|UNDP",
    "European Union|EU",
};
/* The first orgs_media entries of orgs_base publish; generated orgs publish too. */
static const unsigned orgs_media_idx[] = {6, 7, 8, 9, 10, 11, 12, 13, 14, 17};
static const char *const org_adj[] = {"Moroccan", "Maghreb",       "Atlas",  "Mediterranean",
                                      "African",  "North African", "Sahara", "Euro-Mediterranean"};
static const char *const org_type[] = {"Centre",      "Institute", "Observatory", "Foundation",
                                       "Association", "Network",   "Council"};
static const char *const org_field[] = {
    "Strategic Studies", "Prison Reform",     "Youth Inclusion",
    "Security Studies",  "Religious Affairs", "Rights Education",
    "Social Cohesion",   "Counter-Extremism", "Reintegration",
};
static const char *const groups_base[] = {
    "Islamic State|ISIS|IS|Daesh|ISIL",
    "Jabhat al-Nusra|al-Nusra Front|Nusra Front",
    "Harakat Sham al-Islam|HSI",
    "al-Qaeda in Iraq|AQI",
    "al-Qaeda in the Islamic Maghreb|AQIM",
    "Moroccan Islamic Combatant Group|GICM",
    "Salafia Jihadia|Salafiya Jihadiya",
    "Jund al-Khilafa",
    "Ansar al-Sharia",
    "Hayat Tahrir al-Sham|HTS",
};
static const char *const group_names[] = {"al-Muhajirin",  "al-Andalus", "Tariq ibn Ziyad",
                                          "al-Furqan",     "al-Ghuraba", "al-Maghrib",
                                          "Usud al-Sunna", "al-Ansar"};
static const char *const events_base[] = {
    "2003 Casablanca bombings|Casablanca attacks of 16 May 2003",
    "2011 Marrakesh café bombing|Argana café bombing",
    "2018 Imlil murders|Imlil killings",
    "2015 Paris attacks",
    "2016 Brussels bombings",
    "2017 Barcelona attack",
};
static const char *const programs_base[] = {
    "Musalaha (reconciliation) program|Musalaha|Moussalaha|Moussalaha program|Moussalaha "
    "(“reconciliation”) deradicalization program",
    "National Initiative for Human Development|INDH|Initiative nationale pour le développement "
    "humain",
    "Hadar program|Hadar|Hadar (vigilance) system",
    "Anti-terrorism law 03-03|Law 03-03|Law No. 03-03",
    "Law 86-14|Law No. 86-14",
    "Royal pardons of jihadi prisoners|royal pardons",
    "Mohammed VI Institute for the Training of Imams|imam training institute",
    "Prison education program",
    "Returnee arrest policy",
    "Mourchidat program|Mourchidates|female religious guides",
};
static const char *const programs_base_kind[] = {
    "program", "program", "security_mechanism", "law", "law", "policy", "institution", "program",
    "policy",  "program",
};
static const char *const prog_focus[] = {
    "reintegration",         "vocational training", "mentoring",        "family mediation",
    "religious counselling", "prevention",          "youth employment", "prison rehabilitation",
};
static const char *const prog_kinds[] = {"program",     "policy",     "law",
                                         "institution", "initiative", "security_mechanism"};
static const char *const prog_kind_word[] = {"program", "policy",     "law",
                                             "office",  "initiative", "unit"};

static const char *const topic_rows[][3] = {
    {"foreign-fighters", "Foreign fighters",
     "Moroccans who travel to join armed groups abroad: numbers, routes, profiles, deaths"},
    {"returnees", "Returnees", "Fighters coming back to Morocco and how the state treats them"},
    {"recruitment", "Recruitment",
     "How and why people are recruited: networks, social media, push and pull factors"},
    {"deradicalization", "Deradicalization",
     "Programs that aim to change extremist beliefs, in prison or outside"},
    {"reintegration", "Reintegration",
     "Support for former detainees after release: jobs, grants, counselling"},
    {"prisons", "Prisons", "Detention of extremists: numbers, prison regimes, pardons, recidivism"},
    {"security-response", "Security response",
     "Arrests, dismantled cells, intelligence, military and police deployments"},
    {"legislation", "Legislation", "Anti-terrorism laws, amendments, penalties"},
    {"terrorist-cells", "Terrorist cells",
     "Cells dismantled in Morocco, their size and affiliation"},
    {"attacks", "Attacks", "Terrorist attacks in Morocco and plots thwarted"},
    {"religious-policy", "Religious policy",
     "The state's management of the religious field: imams, preachers, sermons, scholars"},
    {"civil-society", "Civil society",
     "NGOs and human-rights organizations and the space they have"},
    {"socioeconomic", "Socioeconomic factors",
     "Poverty, unemployment, marginalization, development programs"},
    {"armed-groups", "Armed groups",
     "Groups Moroccans joined abroad: ISIS, Jabhat al-Nusra, Harakat Sham al-Islam, AQI"},
    {"international-cooperation", "International cooperation",
     "Intelligence sharing, the anti-ISIS coalition, regional and European partners"},
    {"human-rights", "Human rights", "Rights of detainees, restrictions on rights organizations"},
    {"pardons", "Royal pardons", "Pardons and commuted sentences for jihadi prisoners"},
    {"sentencing", "Sentencing", "Prison terms, statutory penalties and fines"},
    {"recommendations", "Recommendations", "What the authors recommend"},
};

/* A measure: what a metric counts. {Q} stands for the quantity with its bound. */
struct measure {
    const char *stem;
    const char *label;
    const char *unit;
    bool date;
    bool vague_ok;
    int decimals; /* of generated values */
    double base;
    const char *pattern;
    unsigned topic; /* index into topic_rows */
};

static const struct measure measures[] = {
    {"foreign_fighters_departed", "Moroccan foreign fighters who left Morocco", "people", false,
     true, 0, 1500, "{Q} Moroccans had left to join armed groups abroad", 0},
    {"returnees_arrested", "Returnees arrested on their return", "people", false, true, 0, 250,
     "{Q} returnees were arrested on their return", 1},
    {"returnees", "Fighters who returned to Morocco", "people", false, true, 0, 300,
     "{Q} fighters had returned to Morocco", 1},
    {"fighters_killed", "Moroccan fighters killed abroad", "people", false, true, 0, 500,
     "{Q} Moroccan fighters were killed in Syria and Iraq", 0},
    {"cells_dismantled", "Terrorist cells dismantled", "cells", false, true, 0, 40,
     "{Q} terrorist cells were dismantled", 8},
    {"terrorism_arrests", "Arrests in counter-terrorism operations", "people", false, true, 0, 900,
     "{Q} suspects were arrested in counter-terrorism operations", 6},
    {"terrorism_prisoners", "Prisoners held on terrorism charges", "people", false, true, 0, 1000,
     "{Q} prisoners were held on terrorism charges", 5},
    {"program_participants", "Detainees who took part in a program", "people", false, true, 0, 200,
     "{Q} detainees took part in the program", 3},
    {"program_graduates", "Participants who completed a program", "people", false, true, 0, 150,
     "{Q} participants completed the program", 4},
    {"pardoned", "Prisoners pardoned", "people", false, true, 0, 100,
     "{Q} prisoners received a royal pardon", 16},
    {"recidivism_rate", "Recidivism among released prisoners", "percent", false, false, 1, 10,
     "the recidivism rate among released prisoners stood at {Q} percent", 5},
    {"women_share", "Share of women among departures", "percent", false, false, 2, 15,
     "women made up {Q} percent of those who left", 0},
    {"minors_departed", "Minors who travelled to the conflict zone", "people", false, true, 0, 300,
     "{Q} minors travelled to the conflict zone", 0},
    {"median_age", "Median age of those who left", "years", false, false, 1, 27,
     "the median age of those who left was {Q} years", 2},
    {"sentence_length", "Sentences handed to returning fighters", "years", false, false, 0, 10,
     "sentences for returning fighters ran to {Q} years", 17},
    {"round_length", "Length of one round of a program", "months", false, false, 0, 3,
     "each round of the program lasted {Q} months", 3},
    {"program_budget", "Budget of a program", "MAD", false, false, 0, 5000000,
     "the program's budget reached {Q} dirhams", 12},
    {"monthly_stipend", "Monthly support paid to released detainees", "USD/month", false, false, 0,
     400, "released detainees received {Q} dollars a month", 4},
    {"program_start_date", "Start date of a program", "date", true, false, 0, 0,
     "the program was launched in {D}", 3},
    {"law_in_force_date", "Date a law came into force", "date", true, false, 0, 0,
     "the law came into force in {D}", 7},
};

struct region {
    const char *suffix;
    const char *label;
    unsigned place; /* index into places */
    double factor;
};

static const struct region regions[] = {
    {"", "", 0, 1.0},
    {"casablanca", " (Casablanca-Settat)", 2, 0.25},
    {"tangier_tetouan", " (Tangier-Tetouan-Al Hoceima)", 4, 0.2},
    {"fez_meknes", " (Fez-Meknes)", 3, 0.15},
    {"rabat_sale", " (Rabat-Sale-Kenitra)", 1, 0.12},
    {"oriental", " (Oriental)", 9, 0.08},
    {"souss_massa", " (Souss-Massa)", 8, 0.05},
    {"marrakesh_safi", " (Marrakesh-Safi)", 7, 0.06},
    {"beni_mellal", " (Beni Mellal-Khenifra)", 15, 0.04},
    {"nador", " (Nador province)", 10, 0.05},
    {"fnideq", " (Fnideq)", 11, 0.05},
    {"sale", " (Sale)", 6, 0.06},
    {"syria", " in Syria", 16, 0.6},
    {"iraq", " in Iraq", 17, 0.3},
    {"libya", " in Libya", 18, 0.15},
};

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static const char *const fillers[] = {
    "The {O} has long argued that the response in {P} must combine security measures with social "
    "policy.",
    "Observers in {P} describe a generation of young men for whom the {G} offered a sense of "
    "purpose.",
    "Officials did not respond to repeated requests for comment on the {R}.",
    "The debate over returnees intensified after {Y}, when the first cases came before the courts "
    "in {P}.",
    "Critics point to the lack of rehabilitation programs and to a security approach that does "
    "not address the roots of radicalization.",
    "Families of detainees in {P} say they were never told how long the process would last.",
    "Several researchers interviewed for this report asked not to be named.",
    "The {R} was presented as a model for other countries in the region.",
    "In {P}, local associations run their own programs with little public funding.",
    "The figures are hard to verify, and officials rarely explain how they count.",
    "Recruiters relied on personal networks in neighbourhoods such as {P} as much as on social "
    "media.",
    "Human-rights groups, including the {O}, have asked for access to the prisons concerned.",
    "Since {Y}, the authorities have described the {G} as the main threat to the kingdom.",
    "Some of those who came back say they were disappointed by what they found in {P}.",
};

static const char *const tails[] = {
    ", although the figure could not be independently verified",
    ", most of them from {P}",
    ", a number that has changed little since",
    ", according to the same source",
    ", including several women and minors",
    ", up from the year before",
    " — a figure the {O} disputes",
};

static const char *const policy_verbs[] = {"brings together", "relies on", "was extended to",
                                           "offers",          "requires",  "is run by"};
static const char *const policy_objs[] = {
    "religious scholars, psychologists and prison staff",
    "vocational training and small grants for released detainees",
    "prisons in {P}",
    "sessions on human rights and religious texts",
    "a written request from each detainee",
    "the {O}",
};
static const char *const event_preds[] = {
    "security forces dismantled a cell linked to the {G} in {P}",
    "a court in {P} sentenced several returnees from the {G}",
    "the {O} opened a regional office in {P}",
    "the first participants of the {R} were released from prison in {P}",
    "the authorities announced new rules for returnees from {P}",
};
static const char *const assessments[] = {
    "has done little to address the social roots of radicalization",
    "remains the most ambitious effort of its kind in the region",
    "depends too heavily on the goodwill of prison directors",
    "has not been independently evaluated",
    "treats returnees as a security problem first and a social one second",
    "has reached only a small share of the prisoners concerned",
};
static const char *const recommendations[] = {
    "publish data on the outcomes of the {R}",
    "involve civil society organizations in {P}",
    "extend support to the families of returnees",
    "open the prisons to independent monitors such as the {O}",
    "fund follow-up for released detainees for at least two years",
};
static const char *const testimonies[] = {
    "I came back disappointed with what I saw in {P}",
    "Nobody told us what would happen after the program",
    "The sessions with the scholars changed how I read the texts",
    "My family waited four years for news from {P}",
    "In prison, the {G} still had its recruiters",
};
static const char *const leads[] = {
    "According to {C}, ",      "{C} told reporters that ",
    "{C} estimated that ",     "Figures released by the {O} show that ",
    "By one official count, ", "",
};
static const char *const value_texts[] = {
    "arrest of returning fighters",
    "vocational training",
    "three months",
    "religious counselling",
    "prison-based",
    "voluntary participation",
    "crackdown on returnees under way",
};
static const char *const time_bases[] = {
    "The text gives the year only.",
    "Past tense: dated by the article's publication date.",
    "'For the last two years': counted back from the publication date.",
    "The text says 'as of' without a day; the month is kept.",
    "Present tense: the statement is about the time of writing.",
};
static const char *const notes[] = {
    "Cited by the author without a reference.",
    "The figure is rounded in the original.",
    "The source gives no counting basis.",
    "Contradicts the official figure given elsewhere in the same article.",
    "Repeated from an earlier report by the same author.",
};
static const char *const vague_terms[] = {"dozens of", "hundreds of", "several thousand",
                                          "a handful of", "tens of"};
static const char *const roles[][2] = {
    {"head of the BCIJ", "official"},
    {"former detainee", "participant"},
    {"researcher", "expert"},
    {"lawyer for several returnees", "lawyer"},
    {"DGAPR official", "official"},
    {"spokesman for the Interior Ministry", "government"},
    {"imam and former preacher", "expert"},
    {"associate fellow at Chatham House", "expert"},
};
static const char *const attributes[] = {
    "start_date",   "lead_agency", "partners",   "components", "target_group", "round_length",
    "participants", "graduates",   "applicants", "places",     "outcome",      "eligibility",
    "legal_basis",  "penalty",     "aim",        "oversight",  "status",       "name",
};
static const char *const title_topics[] = {
    "returnees",
    "prison deradicalization",
    "foreign fighters",
    "counter-terrorism strategy",
    "reintegration policy",
    "jihadi recruitment",
};
static const char *const title_subs[] = {
    "lessons from {P}",  "what the numbers say",
    "a mixed record",    "between security and rehabilitation",
    "the view from {P}", "after the Caliphate",
};
static const char *const source_kinds[] = {"analysis", "news", "report", "op-ed"};
static const char *const languages[] = {"en", "en", "en", "en", "en", "fr", "ar"};

/* ---- catalogs held in memory while claims are generated --------------------------------- */

enum ent_kind { K_PLACE, K_PERSON, K_ORG, K_GROUP, K_EVENT };
static const char *const ent_kind_name[] = {"place", "person", "organization", "armed_group",
                                            "event"};

struct item {
    sqlite3_int64 seq;
    char *id;
    char *name;
    char *variants; /* name|alias|... */
};

struct metric {
    sqlite3_int64 seq;
    unsigned measure, region;
    double base;
};

struct claimant {
    char *text;
    const char *kind;
    sqlite3_int64 entity; /* 0 when none */
    size_t ent_index;     /* for the quote: which name to mention */
};

struct gen {
    sqlite3 *db;
    struct rng r;
    int64_t nclaims;
    uint64_t seed;
    struct item *ents;
    unsigned char *ent_kind;
    size_t nents;
    size_t *by_kind[5];
    size_t nby_kind[5];
    size_t *publishers;
    size_t npublishers;
    struct item *progs;
    size_t nprogs;
    struct metric metrics[NELEM(measures) * NELEM(regions)];
    size_t nmetrics;
    struct claimant *claimants;
    size_t nclaimants;
    sqlite3_stmt *ins_source, *ins_text, *ins_cite, *ins_claim, *ins_topic, *ins_mention;
    int64_t done, big_done, list_done, big_target, list_target, big_stride, list_stride;
    int64_t nsources, ncited, nmentions, ntopics;
    char err[512];
};

static void *S_xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("marsad-synth: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static char *S_xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = S_xalloc(n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* The i-th '|'-separated variant of alts (modulo the count) into out. */
static const char *S_variant(const char *alts, unsigned i, char *out, size_t n)
{
    unsigned count = 1;
    for (const char *p = alts; *p; p++)
        count += *p == '|';
    i %= count;
    const char *p = alts;
    while (i--)
        p = strchr(p, '|') + 1;
    size_t len = strcspn(p, "|");
    if (len >= n)
        len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

static unsigned S_nvariants(const char *alts)
{
    unsigned count = 1;
    for (const char *p = alts; *p; p++)
        count += *p == '|';
    return count;
}

/* Lowercase ASCII slug: letters and digits, '-' between words; other bytes dropped. */
static void S_slug(const char *s, char *out, size_t n)
{
    size_t k = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)s; *p && k + 2 < n; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && k > 0)
                out[k++] = '-';
            dash = false;
            out[k++] = (char)c;
        } else if (c < 0x80) {
            dash = true;
        }
    }
    out[k] = '\0';
}

static bool S_fail(struct gen *g, const char *what)
{
    int w = snprintf(g->err, sizeof g->err, "%s: %s", what, sqlite3_errmsg(g->db));
    if (w < 0)
        g->err[0] = '\0';
    return false;
}

static bool S_prep(struct gen *g, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v3(g->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK)
        return S_fail(g, "prepare");
    return true;
}

static void B_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void B_seq(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
    if (v > 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static bool S_step(struct gen *g, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return S_fail(g, what);
    return true;
}

static bool S_exec(struct gen *g, const char *sql)
{
    if (sqlite3_exec(g->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return S_fail(g, sql);
    return true;
}

/* ---- text ------------------------------------------------------------------------------ */

/* Thousands separators: 1600 -> "1,600"; decimals kept as given. */
static void S_number(struct buf *b, double v, int decimals)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return;
    size_t intlen = strcspn(tmp, ".");
    for (size_t i = 0; i < intlen; i++) {
        buf_putc(b, tmp[i]);
        size_t left = intlen - i - 1;
        if (left > 0 && left % 3 == 0)
            buf_putc(b, ',');
    }
    buf_puts(b, tmp + intlen);
}

/* The slots a template may name. */
struct slots {
    const char *claimant; /* {C} */
    const char *place;    /* {P} */
    const char *org;      /* {O} */
    const char *group;    /* {G} */
    const char *program;  /* {R} */
    int year;             /* {Y} */
    const char *q;        /* {Q} */
    const char *d;        /* {D} */
};

static void S_expand(struct buf *b, const char *t, const struct slots *s)
{
    for (const char *p = t; *p; p++) {
        if (p[0] == '{' && p[1] && p[2] == '}') {
            const char *v = NULL;
            switch (p[1]) {
            case 'C':
                v = s->claimant;
                break;
            case 'P':
                v = s->place;
                break;
            case 'O':
                v = s->org;
                break;
            case 'G':
                v = s->group;
                break;
            case 'R':
                v = s->program;
                break;
            case 'Q':
                v = s->q;
                break;
            case 'D':
                v = s->d;
                break;
            case 'Y':
                buf_printf(b, "%d", s->year);
                p += 2;
                continue;
            default:
                break;
            }
            if (v) {
                buf_puts(b, v);
                p += 2;
                continue;
            }
        }
        buf_putc(b, *p);
    }
}

/* Uppercases the first byte of the text appended since `from` when it is ASCII. */
static void S_capitalize(struct buf *b, size_t from)
{
    if (b->data && from < b->len && b->data[from] >= 'a' && b->data[from] <= 'z')
        b->data[from] = (char)(b->data[from] - 'a' + 'A');
}

/* ---- catalogs -------------------------------------------------------------------------- */

static bool S_insert_aliases(struct gen *g, sqlite3_stmt *al, sqlite3_int64 seq, const char *alts)
{
    char v[256];
    unsigned n = S_nvariants(alts);
    for (unsigned i = 0; i < n; i++) {
        S_variant(alts, i, v, sizeof v);
        bool dup = false;
        char w[256];
        for (unsigned k = 0; k < i; k++)
            dup |= strcmp(S_variant(alts, k, w, sizeof w), v) == 0;
        if (dup)
            continue;
        sqlite3_bind_int64(al, 1, seq);
        sqlite3_bind_text(al, 2, v, -1, SQLITE_TRANSIENT);
        if (!S_step(g, al, "alias"))
            return false;
    }
    return true;
}

static bool S_topics(struct gen *g)
{
    sqlite3_stmt *st = NULL;
    if (!S_prep(g, "INSERT INTO topic (id, label, description) VALUES (?1, ?2, ?3)", &st))
        return false;
    bool ok = true;
    for (size_t i = 0; i < NELEM(topic_rows) && ok; i++) {
        for (int k = 0; k < 3; k++)
            B_text(st, k + 1, topic_rows[i][k]);
        ok = S_step(g, st, "topic");
    }
    sqlite3_finalize(st);
    return ok;
}

/* Name and variants of the k-th generated entity of a kind into b (variants '|'-joined). */
static void S_entity_name(struct gen *g, enum ent_kind kind, size_t k, struct buf *alts,
                          bool *numbered)
{
    char a[128], b2[128], c[128];
    *numbered = false;
    switch (kind) {
    case K_PLACE:
        if (k < NELEM(places)) {
            buf_puts(alts, places[k]);
        } else {
            S_variant(places[k % 16], 0, a, sizeof a);
            buf_printf(alts, "%s district %zu|%s-%zu", a, k / 16, a, k / 16);
            *numbered = true;
        }
        break;
    case K_PERSON: {
        const char *f = first_names[k % NELEM(first_names)];
        const char *l = last_names[(k / NELEM(first_names)) % NELEM(last_names)];
        size_t extra = k / (NELEM(first_names) * NELEM(last_names));
        unsigned nv = S_nvariants(f) * S_nvariants(l);
        for (unsigned v = 0; v < (nv < 3 ? nv : 3); v++) {
            S_variant(f, v % S_nvariants(f), a, sizeof a);
            S_variant(l, v / S_nvariants(f), b2, sizeof b2);
            if (v)
                buf_putc(alts, '|');
            if (extra) {
                S_variant(last_names[(extra - 1) % NELEM(last_names)], 0, c, sizeof c);
                buf_printf(alts, "%s %s-%s", a, c, b2);
            } else {
                buf_printf(alts, "%s %s", a, b2);
            }
        }
        *numbered = extra > NELEM(last_names);
        break;
    }
    case K_ORG:
        if (k < NELEM(orgs_base)) {
            buf_puts(alts, orgs_base[k]);
        } else {
            size_t j = k - NELEM(orgs_base);
            const char *ad = org_adj[j % NELEM(org_adj)];
            const char *ty = org_type[(j / NELEM(org_adj)) % NELEM(org_type)];
            const char *fi = org_field[(j / (NELEM(org_adj) * NELEM(org_type))) % NELEM(org_field)];
            buf_printf(alts, "%s %s for %s", ad, ty, fi);
            /* The acronym of the capitalized words is the alias. */
            buf_putc(alts, '|');
            const char *words[] = {ad, ty, fi};
            for (size_t w = 0; w < 3; w++) {
                for (const char *p = words[w]; *p; p++) {
                    if ((p == words[w] || p[-1] == ' ' || p[-1] == '-') && *p >= 'A' && *p <= 'Z')
                        buf_putc(alts, *p);
                }
            }
            *numbered = j >= NELEM(org_adj) * NELEM(org_type) * NELEM(org_field);
        }
        break;
    case K_GROUP:
        if (k < NELEM(groups_base)) {
            buf_puts(alts, groups_base[k]);
        } else {
            const char *n = group_names[k % NELEM(group_names)];
            buf_printf(alts, "%s Brigade|Katibat %s", n, n);
            *numbered = true;
        }
        break;
    case K_EVENT:
        if (k < NELEM(events_base)) {
            buf_puts(alts, events_base[k]);
        } else {
            S_variant(places[1 + k % 15], 0, a, sizeof a);
            buf_printf(alts, "%s cell arrests of %d", a, 2005 + (int)(k % 19));
            *numbered = true;
        }
        break;
    }
    (void)g;
}

static bool S_entities(struct gen *g)
{
    /* place, person, organization, armed group, event */
    static const unsigned share[5] = {15, 45, 30, 7, 3};
    size_t total = 200 + (size_t)(g->nclaims / 400);
    sqlite3_stmt *st = NULL, *al = NULL;
    if (!S_prep(g, "INSERT INTO entity (id, kind, name, description) VALUES (?1, ?2, ?3, ?4)",
                &st) ||
        !S_prep(g, "INSERT INTO entity_alias (entity_seq, alias) VALUES (?1, ?2)", &al))
        return false;
    g->ents = S_xalloc(total * sizeof *g->ents);
    g->ent_kind = S_xalloc(total);
    for (int k = 0; k < 5; k++)
        g->by_kind[k] = S_xalloc(total * sizeof(size_t));
    g->publishers = S_xalloc(total * sizeof(size_t));
    size_t made[5] = {0};
    struct buf alts, desc;
    buf_init(&alts);
    buf_init(&desc);
    bool ok = true;
    for (size_t i = 0; i < total && ok; i++) {
        /* Deterministic interleaving by share: the kind furthest behind its share goes next. */
        enum ent_kind kind = K_PLACE;
        double worst = 1e9;
        for (int k = 0; k < 5; k++) {
            double ratio = (double)made[k] / (double)share[k];
            if (ratio < worst) {
                worst = ratio;
                kind = (enum ent_kind)k;
            }
        }
        size_t k = made[kind]++;
        buf_reset(&alts);
        buf_reset(&desc);
        bool numbered = false;
        S_entity_name(g, kind, k, &alts, &numbered);
        char name[256], slug[300];
        S_variant(buf_str(&alts), 0, name, sizeof name);
        S_slug(name, slug, sizeof slug - 16);
        if (numbered) {
            size_t sl = strlen(slug);
            int w = snprintf(slug + sl, sizeof slug - sl, "-%zu", k);
            if (w < 0)
                slug[sl] = '\0';
        }
        buf_printf(&desc, "Synthetic %s number %zu, named in the benchmark sources.",
                   ent_kind_name[kind], k + 1);
        B_text(st, 1, slug);
        B_text(st, 2, ent_kind_name[kind]);
        B_text(st, 3, name);
        B_text(st, 4, R_chance(&g->r, 70) ? buf_str(&desc) : NULL);
        ok = S_step(g, st, slug);
        if (!ok)
            break;
        struct item *it = &g->ents[i];
        it->seq = sqlite3_last_insert_rowid(g->db);
        it->id = S_xstrdup(slug);
        it->name = S_xstrdup(name);
        it->variants = S_xstrdup(buf_str(&alts));
        g->ent_kind[i] = (unsigned char)kind;
        g->by_kind[kind][g->nby_kind[kind]++] = i;
        if (kind == K_ORG) {
            bool media = k >= NELEM(orgs_base);
            for (size_t m = 0; m < NELEM(orgs_media_idx); m++)
                media |= k == orgs_media_idx[m];
            if (media)
                g->publishers[g->npublishers++] = i;
        }
        g->nents = i + 1;
        ok = S_insert_aliases(g, al, it->seq, it->variants);
    }
    buf_free(&alts);
    buf_free(&desc);
    sqlite3_finalize(st);
    sqlite3_finalize(al);
    return ok;
}

static bool S_programs(struct gen *g)
{
    size_t total = 30 + (size_t)(g->nclaims / 20000);
    sqlite3_stmt *st = NULL, *al = NULL;
    if (!S_prep(g, "INSERT INTO program (id, name, kind, description) VALUES (?1, ?2, ?3, ?4)",
                &st) ||
        !S_prep(g, "INSERT INTO program_alias (program_seq, alias) VALUES (?1, ?2)", &al))
        return false;
    g->progs = S_xalloc(total * sizeof *g->progs);
    struct buf alts, desc;
    buf_init(&alts);
    buf_init(&desc);
    bool ok = true;
    for (size_t i = 0; i < total && ok; i++) {
        buf_reset(&alts);
        buf_reset(&desc);
        const char *kind;
        char reg[128];
        if (i < NELEM(programs_base)) {
            buf_puts(&alts, programs_base[i]);
            kind = programs_base_kind[i];
        } else {
            size_t j = i - NELEM(programs_base);
            size_t kk = R_below(&g->r, (uint32_t)NELEM(prog_kinds));
            kind = prog_kinds[kk];
            S_variant(places[1 + j % 15], 0, reg, sizeof reg);
            const char *focus = prog_focus[(j / 15) % NELEM(prog_focus)];
            buf_printf(&alts, "%s %s %s %zu|%s %s %zu", reg, focus, prog_kind_word[kk], j, reg,
                       focus, j);
        }
        char name[256], slug[300];
        S_variant(buf_str(&alts), 0, name, sizeof name);
        S_slug(name, slug, sizeof slug);
        buf_printf(&desc,
                   "Synthetic %s for the benchmarks: %s, run with partners in several regions and "
                   "described differently by each source.",
                   kind, name);
        B_text(st, 1, slug);
        B_text(st, 2, name);
        B_text(st, 3, kind);
        B_text(st, 4, buf_str(&desc));
        ok = S_step(g, st, "program");
        if (!ok)
            break;
        struct item *it = &g->progs[i];
        it->seq = sqlite3_last_insert_rowid(g->db);
        it->id = S_xstrdup(slug);
        it->name = S_xstrdup(name);
        it->variants = S_xstrdup(buf_str(&alts));
        g->nprogs = i + 1;
        ok = S_insert_aliases(g, al, it->seq, it->variants);
    }
    buf_free(&alts);
    buf_free(&desc);
    sqlite3_finalize(st);
    sqlite3_finalize(al);
    return ok;
}

static bool S_metrics(struct gen *g)
{
    sqlite3_stmt *st = NULL;
    if (!S_prep(g,
                "INSERT INTO metric (id, label, unit, value_type, definition, counting_basis) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &st))
        return false;
    struct buf id, label, def, basis;
    buf_init(&id);
    buf_init(&label);
    buf_init(&def);
    buf_init(&basis);
    bool ok = true;
    for (size_t r = 0; r < NELEM(regions) && ok; r++) {
        for (size_t m = 0; m < NELEM(measures) && ok; m++) {
            const struct measure *ms = &measures[m];
            const struct region *rg = &regions[r];
            buf_reset(&id);
            buf_reset(&label);
            buf_reset(&def);
            buf_reset(&basis);
            buf_puts(&id, ms->stem);
            if (rg->suffix[0])
                buf_printf(&id, "_%s", rg->suffix);
            buf_printf(&label, "%s%s", ms->label, rg->label);
            buf_printf(&def,
                       "%s%s, as the sources state it; cumulative unless the claim's time window "
                       "says otherwise.",
                       ms->label, rg->label);
            buf_printf(&basis, "Counted in %s by the source or the claimant it quotes.", ms->unit);
            B_text(st, 1, buf_str(&id));
            B_text(st, 2, buf_str(&label));
            B_text(st, 3, ms->unit);
            B_text(st, 4, ms->date ? "date" : "number");
            B_text(st, 5, buf_str(&def));
            B_text(st, 6, buf_str(&basis));
            ok = S_step(g, st, "metric");
            struct metric *mt = &g->metrics[g->nmetrics++];
            mt->seq = sqlite3_last_insert_rowid(g->db);
            mt->measure = (unsigned)m;
            mt->region = (unsigned)r;
            mt->base = ms->base * rg->factor * (0.7 + 0.6 * R_unit(&g->r));
        }
    }
    buf_free(&id);
    buf_free(&label);
    buf_free(&def);
    buf_free(&basis);
    sqlite3_finalize(st);
    return ok;
}

/* Claimants other than authors: people with a role, organizations, unnamed officials. */
static void S_claimants(struct gen *g)
{
    size_t np = g->nby_kind[K_PERSON], no = g->nby_kind[K_ORG];
    g->claimants = S_xalloc((np + no + 1) * sizeof *g->claimants);
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < np; i++) {
        size_t e = g->by_kind[K_PERSON][i];
        size_t role = R_below(&g->r, (uint32_t)NELEM(roles));
        buf_reset(&b);
        buf_printf(&b, "%s (%s)", g->ents[e].name, roles[role][0]);
        struct claimant *c = &g->claimants[g->nclaimants++];
        c->text = S_xstrdup(buf_str(&b));
        c->kind = roles[role][1];
        c->entity = g->ents[e].seq;
        c->ent_index = e;
    }
    for (size_t i = 0; i < no; i++) {
        size_t e = g->by_kind[K_ORG][i];
        struct claimant *c = &g->claimants[g->nclaimants++];
        c->text = S_xstrdup(g->ents[e].name);
        c->kind = i < 6 ? "government" : (i % 5 == 0 ? "media" : "organization");
        c->entity = g->ents[e].seq;
        c->ent_index = e;
    }
    struct claimant *c = &g->claimants[g->nclaimants++];
    c->text = S_xstrdup("Unnamed security officials");
    c->kind = "unattributed";
    c->entity = 0;
    c->ent_index = SIZE_MAX;
    buf_free(&b);
}

/* ---- sources and claims ---------------------------------------------------------------- */

#define MAX_PER_SOURCE 30
#define MAX_MENTIONS   8

struct gclaim {
    struct buf quote, statement, time_basis, note, value_text, claimant, as_of, p0, p1, vdate;
    char id[32];
    const char *kind, *bound, *vague_term, *unit, *claimant_kind, *attribute;
    size_t byte0, cp0, cp1, qlen;
    sqlite3_int64 metric, place, claimant_entity, subject_program, subject_entity, footnote;
    bool has_value, has_lower, has_upper, has_time;
    double value, lower, upper;
    int64_t t0, t1;
    size_t ntopics, nmentions;
    unsigned topics[3];
    sqlite3_int64 ment_ent[MAX_MENTIONS], ment_prog[MAX_MENTIONS];
};

struct gsource {
    struct buf id, title, authors, text, url, note, published, basis;
    char prefix[16];
    const char *precision, *kind, *language;
    size_t publisher; /* entity index */
    int pub_year;
    struct buf author_name; /* first author or "<publisher> (unsigned article)" */
    sqlite3_int64 author_entity;
    sqlite3_int64 cites[3];
    size_t ncites;
    size_t cp; /* code points in text so far */
};

static void S_mention(struct gclaim *c, sqlite3_int64 ent, sqlite3_int64 prog)
{
    if (ent <= 0 && prog <= 0)
        return;
    for (size_t i = 0; i < c->nmentions; i++) {
        if (c->ment_ent[i] == ent && c->ment_prog[i] == prog)
            return;
    }
    if (c->nmentions < MAX_MENTIONS) {
        c->ment_ent[c->nmentions] = ent > 0 ? ent : 0;
        c->ment_prog[c->nmentions] = prog > 0 ? prog : 0;
        c->nmentions++;
    }
}

/* One spelling of an entity or program as a source would print it. */
static const char *S_spelling(struct gen *g, const struct item *it, char *out, size_t n)
{
    unsigned nv = S_nvariants(it->variants);
    unsigned v = R_chance(&g->r, 70) ? 0 : R_below(&g->r, nv);
    return S_variant(it->variants, v, out, n);
}

static size_t S_pick_kind(struct gen *g, enum ent_kind k)
{
    return g->by_kind[k][R_below(&g->r, (uint32_t)g->nby_kind[k])];
}

/* Appends text to the source body, counting code points. */
static void S_body(struct gsource *s, const char *t, size_t n)
{
    buf_append(&s->text, t, n);
    s->cp += evidence_codepoints(t, n);
}

/* A date as a source would write it, and the partial date it stands for. */
static void S_date(struct gen *g, int year, struct buf *words, struct buf *iso,
                   unsigned prec_pct[3])
{
    unsigned w[3] = {prec_pct[0], prec_pct[1], prec_pct[2]};
    size_t p = R_weighted(&g->r, w, 3);
    int month = R_range(&g->r, 1, 12);
    int day = R_range(&g->r, 1, 28);
    if (p == 0) {
        buf_printf(iso, "%04d", year);
        if (words)
            buf_printf(words, "%d", year);
    } else if (p == 1) {
        buf_printf(iso, "%04d-%02d", year, month);
        if (words)
            buf_printf(words, "%s %d", months[month - 1], year);
    } else {
        buf_printf(iso, "%04d-%02d-%02d", year, month, day);
        if (words)
            buf_printf(words, "%d %s %d", day, months[month - 1], year);
    }
}

static void S_window(struct gclaim *c, const char *a, const char *b)
{
    struct pdate d0, d1;
    if (pdate_parse(a, &d0) && pdate_parse(b ? b : a, &d1)) {
        c->t0 = pdate_first_day(&d0);
        c->t1 = pdate_last_day(&d1);
        c->has_time = c->t0 <= c->t1;
    }
}

static int S_claim_year(struct gen *g, const struct gsource *s)
{
    int lo = s->pub_year - 8 < 2002 ? 2002 : s->pub_year - 8;
    int y = R_range(&g->r, lo, s->pub_year);
    /* Most statements are about the last few years before publication. */
    if (R_chance(&g->r, 60) && y < s->pub_year - 3)
        y = R_range(&g->r, s->pub_year - 3 < 2002 ? 2002 : s->pub_year - 3, s->pub_year);
    return y;
}

/* The quantity phrase and the numbers of a numeric claim. */
static void S_quantity(struct gen *g, struct gclaim *c, const struct measure *ms, double base,
                       struct buf *q, struct buf *qs)
{
    static const char *const bounds[] = {"exact", "approx",    "at_least", "more_than",
                                         "up_to", "less_than", "range",    "vague"};
    static const unsigned w_count[] = {38, 15, 8, 10, 4, 4, 12, 9};
    static const unsigned w_other[] = {45, 20, 6, 6, 5, 6, 12, 0};
    size_t b = R_weighted(&g->r, ms->vague_ok ? w_count : w_other, NELEM(bounds));
    c->bound = bounds[b];
    double scale = pow(10.0, ms->decimals);
    double v = round(base * (0.7 + 0.6 * R_unit(&g->r)) * scale) / scale;
    if (ms->decimals == 0 && v >= 100)
        v = round(v / 10) * 10;
    if (v <= 0)
        v = 1;
    switch (b) {
    case 0:
        c->has_value = true;
        c->value = v;
        S_number(q, v, ms->decimals);
        S_number(qs, v, ms->decimals);
        break;
    case 1: {
        static const char *const w[] = {"about ", "around ", "roughly ", "some "};
        c->has_value = true;
        c->value = v;
        buf_puts(q, PICK(&g->r, w));
        S_number(q, v, ms->decimals);
        buf_puts(qs, "about ");
        S_number(qs, v, ms->decimals);
        break;
    }
    case 2:
    case 3: {
        c->has_value = c->has_lower = true;
        c->value = c->lower = v;
        buf_puts(q, b == 2 ? "at least " : (R_chance(&g->r, 70) ? "more than " : "over "));
        buf_puts(qs, b == 2 ? "at least " : "more than ");
        S_number(q, v, ms->decimals);
        S_number(qs, v, ms->decimals);
        break;
    }
    case 4:
    case 5: {
        c->has_value = c->has_upper = true;
        c->value = c->upper = v;
        buf_puts(q, b == 4 ? "up to " : (R_chance(&g->r, 50) ? "fewer than " : "less than "));
        buf_puts(qs, b == 4 ? "up to " : "fewer than ");
        S_number(q, v, ms->decimals);
        S_number(qs, v, ms->decimals);
        break;
    }
    case 6: {
        double hi = round(v * (1.1 + 0.5 * R_unit(&g->r)) * scale) / scale;
        if (hi <= v)
            hi = v + 1;
        c->has_lower = c->has_upper = true;
        c->lower = v;
        c->upper = hi;
        unsigned form = R_below(&g->r, 3);
        if (form == 0) {
            buf_puts(q, "between ");
            S_number(q, v, ms->decimals);
            buf_puts(q, " and ");
            S_number(q, hi, ms->decimals);
        } else {
            S_number(q, v, ms->decimals);
            buf_puts(q, form == 1 ? "\xE2\x80\x93" : " to "); /* en dash */
            S_number(q, hi, ms->decimals);
        }
        buf_puts(qs, "between ");
        S_number(qs, v, ms->decimals);
        buf_puts(qs, " and ");
        S_number(qs, hi, ms->decimals);
        break;
    }
    default: {
        size_t t = R_below(&g->r, (uint32_t)NELEM(vague_terms));
        c->vague_term = vague_terms[t];
        buf_puts(q, vague_terms[t]);
        buf_puts(qs, vague_terms[t]);
        break;
    }
    }
}

struct ctx_names {
    char claimant[256], place[160], org[256], group[160], program[256], d[64];
};

/* Picks the claimant: mostly the author, else a named person or organization. */
static void S_pick_claimant(struct gen *g, struct gsource *s, struct gclaim *c,
                            struct ctx_names *nm, bool author)
{
    if (author) {
        buf_puts(&c->claimant, buf_str(&s->author_name));
        c->claimant_kind = "author";
        c->claimant_entity = s->author_entity;
        int w = snprintf(nm->claimant, sizeof nm->claimant, "%s", buf_str(&s->author_name));
        if (w < 0)
            nm->claimant[0] = '\0';
    } else {
        const struct claimant *cl = &g->claimants[R_below(&g->r, (uint32_t)g->nclaimants)];
        buf_puts(&c->claimant, cl->text);
        c->claimant_kind = cl->kind;
        c->claimant_entity = cl->entity;
        if (cl->ent_index != SIZE_MAX)
            S_spelling(g, &g->ents[cl->ent_index], nm->claimant, sizeof nm->claimant);
        else
            memcpy(nm->claimant, "unnamed security officials", 27);
    }
    if (c->claimant_entity > 0)
        S_mention(c, c->claimant_entity, 0);
}

/* Builds one claim's text and fields; the quote is appended to the source body. */
static void S_make_claim(struct gen *g, struct gsource *s, struct gclaim *c, size_t idx,
                         int64_t global)
{
    struct buf *bufs[] = {&c->quote,    &c->statement, &c->time_basis, &c->note, &c->value_text,
                          &c->claimant, &c->as_of,     &c->p0,         &c->p1,   &c->vdate};
    for (size_t i = 0; i < NELEM(bufs); i++)
        buf_reset(bufs[i]);
    int w = snprintf(c->id, sizeof c->id, "%s-%03zu", s->prefix, idx + 1);
    if (w < 0)
        c->id[0] = '\0';
    c->kind = c->bound = c->vague_term = c->unit = c->attribute = NULL;
    c->metric = c->place = c->claimant_entity = c->subject_program = c->subject_entity = 0;
    c->footnote = 0;
    c->has_value = c->has_lower = c->has_upper = c->has_time = false;
    c->value = c->lower = c->upper = 0;
    c->t0 = c->t1 = 0;
    c->nmentions = 0;

    /* Which metric, if any. */
    const struct metric *mt = NULL;
    if (g->big_done < g->big_target && global % g->big_stride == g->big_stride / 2) {
        mt = &g->metrics[0];
        g->big_done++;
    } else if (g->list_done < g->list_target && global % g->list_stride == g->list_stride / 3) {
        mt = &g->metrics[1];
        g->list_done++;
    } else if (R_chance(&g->r, 38)) {
        double u = R_unit(&g->r);
        size_t k = 2 + (size_t)((double)(g->nmetrics - 2) * u * u);
        mt = &g->metrics[k < g->nmetrics ? k : g->nmetrics - 1];
    }
    bool big = mt == &g->metrics[0];

    struct ctx_names nm;
    const struct item *place_it = &g->ents[S_pick_kind(g, K_PLACE)];
    if (mt && regions[mt->region].place < g->nby_kind[K_PLACE] && mt->region != 0)
        place_it = &g->ents[g->by_kind[K_PLACE][regions[mt->region].place]];
    else if (mt && R_chance(&g->r, 70))
        place_it = &g->ents[g->by_kind[K_PLACE][0]]; /* Morocco */
    S_spelling(g, place_it, nm.place, sizeof nm.place);
    const struct item *org_it = &g->ents[S_pick_kind(g, K_ORG)];
    S_spelling(g, org_it, nm.org, sizeof nm.org);
    const struct item *grp_it = &g->ents[S_pick_kind(g, K_GROUP)];
    S_spelling(g, grp_it, nm.group, sizeof nm.group);
    const struct item *prog_it = &g->progs[R_below(&g->r, (uint32_t)g->nprogs)];
    S_spelling(g, prog_it, nm.program, sizeof nm.program);
    nm.d[0] = '\0';

    /* Time: as_of, a period or none. */
    int year = S_claim_year(g, s);
    struct buf when;
    buf_init(&when);
    unsigned tw[3] = {65, 15, 20};
    if (big)
        tw[1] = tw[2] = 0;
    size_t tchoice = R_weighted(&g->r, tw, 3);
    if (tchoice == 0) {
        unsigned prec[3] = {50, 30, 20};
        struct buf words;
        buf_init(&words);
        S_date(g, year, &words, &c->as_of, prec);
        static const char *const pre[] = {" by ", " as of ", " in "};
        buf_puts(&when, PICK(&g->r, pre));
        buf_puts(&when, buf_str(&words));
        buf_free(&words);
        S_window(c, buf_str(&c->as_of), NULL);
    } else if (tchoice == 1) {
        int y0 = year - R_range(&g->r, 1, 5);
        buf_printf(&c->p0, "%04d", y0);
        buf_printf(&c->p1, "%04d", year);
        buf_printf(&when, R_chance(&g->r, 50) ? " between %d and %d" : " from %d to %d", y0, year);
        S_window(c, buf_str(&c->p0), buf_str(&c->p1));
    }

    struct slots sl = {nm.claimant, nm.place, nm.org, nm.group, nm.program, year, NULL, NULL};
    bool author = R_chance(&g->r, 70);
    S_pick_claimant(g, s, c, &nm, author);
    sl.claimant = nm.claimant;

    unsigned ntop = 1 + R_below(&g->r, 3);
    c->ntopics = 0;
    if (mt) {
        const struct measure *ms = &measures[mt->measure];
        c->metric = mt->seq;
        c->unit = ms->unit;
        c->topics[c->ntopics++] = ms->topic;
        c->kind = ms->date ? (R_chance(&g->r, 50) ? "event" : "policy") : "statistic";
        struct buf q, qs;
        buf_init(&q);
        buf_init(&qs);
        if (ms->date) {
            unsigned prec[3] = {40, 45, 15};
            struct buf words;
            buf_init(&words);
            int dy = R_range(&g->r, 2003, s->pub_year);
            S_date(g, dy, &words, &c->vdate, prec);
            c->bound = R_chance(&g->r, 90) ? "exact" : "range";
            if (c->bound[0] == 'r') {
                buf_reset(&words);
                buf_printf(&words, "the years after %d", dy);
                buf_reset(&c->vdate);
                buf_printf(&c->vdate, "%04d", dy);
            }
            buf_puts(&q, buf_str(&words));
            buf_puts(&qs, buf_str(&words));
            buf_free(&words);
            if (c->has_time && R_chance(&g->r, 50)) {
                /* As in the curated data: the date is the value, often also the as_of. */
                buf_reset(&c->as_of);
                buf_puts(&c->as_of, buf_str(&c->vdate));
                buf_reset(&c->p0);
                buf_reset(&c->p1);
                c->has_time = false;
                S_window(c, buf_str(&c->as_of), NULL);
            }
            c->subject_program = prog_it->seq;
            c->attribute = "start_date";
            sl.d = buf_str(&q);
        } else {
            double base = mt->base;
            if (big) /* a cumulative count that grows over the years */
                base = 150.0 + 260.0 * (year - 2012 > 0 ? year - 2012 : 0);
            S_quantity(g, c, ms, base, &q, &qs);
            sl.q = buf_str(&q);
            if (R_chance(&g->r, 20)) {
                c->subject_program = prog_it->seq;
                c->attribute = R_chance(&g->r, 50) ? "participants" : "graduates";
            }
        }
        /* The quote: lead, quantity sentence, time, tail; sometimes a second sentence. */
        size_t q0 = c->quote.len;
        const char *lead = author ? PICK(&g->r, leads) : leads[R_below(&g->r, 3)];
        if (author && lead[0] == '{' && lead[1] == 'C')
            lead = "";
        S_expand(&c->quote, lead, &sl);
        S_expand(&c->quote, ms->pattern, &sl);
        S_capitalize(&c->quote, q0);
        if (!ms->date)
            buf_puts(&c->quote, buf_str(&when));
        if (R_chance(&g->r, 30))
            S_expand(&c->quote, PICK(&g->r, tails), &sl);
        buf_putc(&c->quote, '.');
        /* The statement: normalized wording. */
        struct slots ss = sl;
        ss.q = buf_str(&qs);
        ss.d = buf_str(&qs);
        S_expand(&c->statement, ms->pattern, &ss);
        S_capitalize(&c->statement, 0);
        if (c->as_of.len)
            buf_printf(&c->statement, " (as of %s)", buf_str(&c->as_of));
        else if (c->p0.len)
            buf_printf(&c->statement, " (%s to %s)", buf_str(&c->p0), buf_str(&c->p1));
        buf_putc(&c->statement, '.');
        buf_free(&q);
        buf_free(&qs);
        c->place = place_it->seq;
        if (!big && R_chance(&g->r, 25))
            c->place = 0;
    } else {
        static const char *const kinds[] = {"assessment",     "policy",    "event",
                                            "recommendation", "testimony", "statistic"};
        static const unsigned kw[] = {35, 25, 20, 8, 7, 5};
        size_t k = R_weighted(&g->r, kw, NELEM(kinds));
        c->kind = kinds[k];
        size_t q0 = c->quote.len;
        switch (k) {
        case 0:
            S_expand(&c->quote, leads[R_below(&g->r, 2)], &sl);
            q0 = c->quote.len;
            S_expand(&c->quote, "the {R} ", &sl);
            buf_puts(&c->quote, PICK(&g->r, assessments));
            break;
        case 1:
            S_expand(&c->quote, "the {R} ", &sl);
            buf_puts(&c->quote, PICK(&g->r, policy_verbs));
            buf_putc(&c->quote, ' ');
            S_expand(&c->quote, PICK(&g->r, policy_objs), &sl);
            buf_puts(&c->quote, buf_str(&when));
            break;
        case 2:
            buf_printf(&c->quote, "In %d, ", year);
            S_expand(&c->quote, PICK(&g->r, event_preds), &sl);
            break;
        case 3:
            S_expand(&c->quote, "the authorities should ", &sl);
            S_expand(&c->quote, PICK(&g->r, recommendations), &sl);
            break;
        case 4:
            buf_puts(&c->quote, "\xE2\x80\x9C");
            S_expand(&c->quote, PICK(&g->r, testimonies), &sl);
            S_expand(&c->quote, ",\xE2\x80\x9D said {C}", &sl);
            break;
        default:
            S_expand(&c->quote, "the {R} reached prisons across the country", &sl);
            buf_puts(&c->quote, buf_str(&when));
            break;
        }
        S_capitalize(&c->quote, q0);
        /* Statement: the quote's core without attribution or asides. */
        buf_append(&c->statement, c->quote.data + q0, c->quote.len - q0);
        S_capitalize(&c->statement, 0);
        if (c->as_of.len && k != 1 && k != 5)
            buf_printf(&c->statement, " (as of %s)", buf_str(&c->as_of));
        buf_putc(&c->statement, '.');
        if (R_chance(&g->r, 30))
            S_expand(&c->quote, PICK(&g->r, tails), &sl);
        buf_putc(&c->quote, '.');
        if (R_chance(&g->r, 55)) {
            c->subject_program = prog_it->seq;
            if (R_chance(&g->r, 60))
                c->attribute = PICK(&g->r, attributes);
        } else if (R_chance(&g->r, 20)) {
            c->subject_entity = grp_it->seq;
        }
        if (R_chance(&g->r, 45))
            c->place = place_it->seq;
        if (R_chance(&g->r, 35))
            buf_puts(&c->value_text, PICK(&g->r, value_texts));
    }
    /* A long quote now and then: a second sentence. */
    if (R_chance(&g->r, 40)) {
        buf_putc(&c->quote, ' ');
        S_expand(&c->quote, PICK(&g->r, fillers), &sl);
    }
    buf_free(&when);

    if (c->has_time && R_chance(&g->r, 55))
        buf_puts(&c->time_basis, PICK(&g->r, time_bases));
    if (R_chance(&g->r, 30))
        buf_puts(&c->note, PICK(&g->r, notes));
    if (s->ncites && R_chance(&g->r, 10))
        c->footnote = s->cites[R_below(&g->r, (uint32_t)s->ncites)];
    while (c->ntopics < ntop) {
        unsigned t = R_below(&g->r, (uint32_t)NELEM(topic_rows));
        bool dup = false;
        for (size_t i = 0; i < c->ntopics; i++)
            dup |= c->topics[i] == t;
        if (!dup)
            c->topics[c->ntopics++] = t;
    }
    /* Mentions: what the quote names. */
    if (c->place)
        S_mention(c, c->place, 0);
    if (c->subject_program)
        S_mention(c, 0, c->subject_program);
    if (c->subject_entity)
        S_mention(c, c->subject_entity, 0);
    if (strstr(buf_str(&c->quote), nm.org))
        S_mention(c, org_it->seq, 0);
    if (strstr(buf_str(&c->quote), nm.group))
        S_mention(c, grp_it->seq, 0);
    if (strstr(buf_str(&c->quote), nm.program))
        S_mention(c, 0, prog_it->seq);

    /* Into the stored text: filler before, then the quote at its offsets. */
    unsigned nfill = R_below(&g->r, 3);
    struct buf fill;
    buf_init(&fill);
    for (unsigned i = 0; i < nfill; i++) {
        S_expand(&fill, PICK(&g->r, fillers), &sl);
        buf_putc(&fill, ' ');
    }
    S_body(s, buf_str(&fill), fill.len);
    buf_free(&fill);
    c->qlen = c->quote.len;
    c->byte0 = s->text.len;
    c->cp0 = s->cp;
    S_body(s, buf_str(&c->quote), c->quote.len);
    c->cp1 = s->cp;
    const char *sep = R_chance(&g->r, 40) ? "\n\n" : " ";
    S_body(s, sep, strlen(sep));
}

static const char SQL_SOURCE[] =
    "INSERT INTO source (id, prefix, title, authors, publisher, original_publisher, published, "
    "published_precision, published_basis, written, written_precision, url, kind, language, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

static const char SQL_CLAIM[] =
    "INSERT INTO claim (id, source_seq, quote, quote_start, quote_end, byte_start, byte_end, "
    "statement, kind, metric_seq, value, lower, upper, bound, vague_term, unit, value_date, "
    "value_text, as_of, period_start, period_end, time_start, time_end, time_basis, place_seq, "
    "claimant, claimant_kind, claimant_entity_seq, subject_program_seq, subject_entity_seq, "
    "attribute, footnote_seq, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
    "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, "
    "?31, ?32, ?33)";

static const char *S_opt(struct buf *b)
{
    return b->len ? buf_str(b) : NULL;
}

/* A work cited by source s: a new 'cited' source, or an earlier main source. */
static bool S_cited(struct gen *g, struct gsource *s, sqlite3_int64 citing, size_t n)
{
    struct buf id, title;
    buf_init(&id);
    buf_init(&title);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        sqlite3_int64 cited;
        if (citing > 10 && R_chance(&g->r, 30)) {
            cited = 1 + (sqlite3_int64)R_below(&g->r, (uint32_t)(citing - 1));
        } else {
            buf_reset(&id);
            buf_reset(&title);
            buf_printf(&id, "%s-ref-%zu", buf_str(&s->id), i + 1);
            const struct item *o =
                &g->ents[g->publishers[R_below(&g->r, (uint32_t)g->npublishers)]];
            buf_printf(&title, "Report on %s by the %s", PICK(&g->r, title_topics), o->name);
            char pub[16];
            int y = s->pub_year - R_range(&g->r, 0, 4);
            int w = snprintf(pub, sizeof pub, "%04d", y);
            if (w < 0)
                pub[0] = '\0';
            sqlite3_stmt *st = g->ins_source;
            B_text(st, 1, buf_str(&id));
            B_text(st, 3, buf_str(&title));
            B_text(st, 4, "[]");
            B_text(st, 5, o->name);
            B_text(st, 7, pub);
            B_text(st, 8, "year");
            B_text(st, 13, "cited");
            B_text(st, 14, "und");
            ok = S_step(g, st, "cited source");
            cited = sqlite3_last_insert_rowid(g->db);
            g->ncited++;
        }
        bool dup = false;
        for (size_t k = 0; k < s->ncites; k++)
            dup |= s->cites[k] == cited;
        if (dup || !ok)
            continue;
        char label[8];
        int w = snprintf(label, sizeof label, "%zu", s->ncites + 1);
        if (w < 0)
            label[0] = '\0';
        sqlite3_bind_int64(g->ins_cite, 1, citing);
        sqlite3_bind_int64(g->ins_cite, 2, cited);
        B_text(g->ins_cite, 3, label);
        ok = S_step(g, g->ins_cite, "citation");
        s->cites[s->ncites++] = cited;
    }
    buf_free(&id);
    buf_free(&title);
    return ok;
}

static bool S_insert_claim(struct gen *g, sqlite3_int64 source_seq, struct gclaim *c)
{
    sqlite3_stmt *st = g->ins_claim;
    B_text(st, 1, c->id);
    sqlite3_bind_int64(st, 2, source_seq);
    sqlite3_bind_text(st, 3, buf_str(&c->quote), (int)c->qlen, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)c->cp0);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c->cp1);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)c->byte0);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)(c->byte0 + c->qlen));
    B_text(st, 8, buf_str(&c->statement));
    B_text(st, 9, c->kind);
    B_seq(st, 10, c->metric);
    if (c->has_value)
        sqlite3_bind_double(st, 11, c->value);
    if (c->has_lower)
        sqlite3_bind_double(st, 12, c->lower);
    if (c->has_upper)
        sqlite3_bind_double(st, 13, c->upper);
    B_text(st, 14, c->metric ? c->bound : NULL);
    B_text(st, 15, c->vague_term);
    B_text(st, 16, c->unit);
    B_text(st, 17, S_opt(&c->vdate));
    B_text(st, 18, S_opt(&c->value_text));
    B_text(st, 19, S_opt(&c->as_of));
    B_text(st, 20, S_opt(&c->p0));
    B_text(st, 21, S_opt(&c->p1));
    if (c->has_time) {
        sqlite3_bind_int64(st, 22, c->t0);
        sqlite3_bind_int64(st, 23, c->t1);
    }
    B_text(st, 24, S_opt(&c->time_basis));
    B_seq(st, 25, c->place);
    B_text(st, 26, buf_str(&c->claimant));
    B_text(st, 27, c->claimant_kind);
    B_seq(st, 28, c->claimant_entity);
    B_seq(st, 29, c->subject_program);
    B_seq(st, 30, c->subject_program ? 0 : c->subject_entity);
    B_text(st, 31, c->subject_program ? c->attribute : NULL);
    B_seq(st, 32, c->footnote);
    B_text(st, 33, S_opt(&c->note));
    if (!S_step(g, st, c->id))
        return false;
    sqlite3_int64 cseq = sqlite3_last_insert_rowid(g->db);
    for (size_t i = 0; i < c->ntopics; i++) {
        sqlite3_bind_int64(g->ins_topic, 1, cseq);
        B_text(g->ins_topic, 2, topic_rows[c->topics[i]][0]);
        if (!S_step(g, g->ins_topic, "claim_topic"))
            return false;
        g->ntopics++;
    }
    for (size_t i = 0; i < c->nmentions; i++) {
        sqlite3_bind_int64(g->ins_mention, 1, cseq);
        B_seq(g->ins_mention, 2, c->ment_ent[i]);
        B_seq(g->ins_mention, 3, c->ment_prog[i]);
        if (!S_step(g, g->ins_mention, "claim_mention"))
            return false;
        g->nmentions++;
    }
    return true;
}

static bool S_source(struct gen *g, struct gsource *s, struct gclaim *cl, size_t nclaims)
{
    struct buf *bufs[] = {&s->id,   &s->title,     &s->authors, &s->text,       &s->url,
                          &s->note, &s->published, &s->basis,   &s->author_name};
    for (size_t i = 0; i < NELEM(bufs); i++)
        buf_reset(bufs[i]);
    s->cp = 0;
    s->ncites = 0;
    int64_t n = ++g->nsources;
    int w = snprintf(s->prefix, sizeof s->prefix, "s%06" PRId64, n);
    if (w < 0)
        s->prefix[0] = '\0';
    s->publisher = g->publishers[R_below(&g->r, (uint32_t)g->npublishers)];
    const struct item *pub = &g->ents[s->publisher];
    s->pub_year = 2005 + (int)R_below(&g->r, 20);
    if (R_chance(&g->r, 50))
        s->pub_year = R_range(&g->r, 2014, 2024);
    char slug[128];
    S_slug(pub->name, slug, 40);
    buf_printf(&s->id, "%s-%d-%s", slug, s->pub_year, s->prefix);
    struct slots sl = {NULL, NULL, NULL, NULL, NULL, s->pub_year, NULL, NULL};
    char place[160];
    S_variant(g->ents[S_pick_kind(g, K_PLACE)].variants, 0, place, sizeof place);
    sl.place = place;
    buf_printf(&s->title, "Morocco's %s: ", PICK(&g->r, title_topics));
    S_expand(&s->title, PICK(&g->r, title_subs), &sl);
    unsigned nauth = R_below(&g->r, 4);
    buf_putc(&s->authors, '[');
    s->author_entity = 0;
    for (unsigned i = 0; i < nauth; i++) {
        size_t e = S_pick_kind(g, K_PERSON);
        buf_printf(&s->authors, "%s\"%s\"", i ? "," : "", g->ents[e].name);
        if (i == 0) {
            buf_puts(&s->author_name, g->ents[e].name);
            s->author_entity = g->ents[e].seq;
        }
    }
    buf_putc(&s->authors, ']');
    if (!nauth) {
        buf_printf(&s->author_name, "%s (unsigned article)", pub->name);
        s->author_entity = pub->seq;
    }
    unsigned prec[3] = {20, 20, 60};
    S_date(g, s->pub_year, NULL, &s->published, prec);
    size_t plen = s->published.len;
    s->precision = plen == 4 ? "year" : plen == 7 ? "month" : "day";
    if (plen == 4 && R_chance(&g->r, 50))
        buf_puts(&s->basis, "The article has no printed date; dated by inference.");
    if (R_chance(&g->r, 70))
        buf_printf(&s->url, "https://example.org/%s/%s", slug, buf_str(&s->id));
    if (R_chance(&g->r, 20))
        buf_puts(&s->note, PICK(&g->r, notes));
    s->kind = PICK(&g->r, source_kinds);
    s->language = PICK(&g->r, languages);

    sqlite3_stmt *st = g->ins_source;
    B_text(st, 1, buf_str(&s->id));
    B_text(st, 2, s->prefix);
    B_text(st, 3, buf_str(&s->title));
    B_text(st, 4, buf_str(&s->authors));
    B_text(st, 5, pub->name);
    B_text(st, 6, R_chance(&g->r, 10) ? g->ents[g->publishers[0]].name : NULL);
    B_text(st, 7, buf_str(&s->published));
    B_text(st, 8, s->precision);
    B_text(st, 9, S_opt(&s->basis));
    B_text(st, 12, S_opt(&s->url));
    B_text(st, 13, s->kind);
    B_text(st, 14, s->language);
    B_text(st, 15, S_opt(&s->note));
    if (!S_step(g, st, buf_str(&s->id)))
        return false;
    sqlite3_int64 seq = sqlite3_last_insert_rowid(g->db);
    if (!S_cited(g, s, seq, R_below(&g->r, 3)))
        return false;

    /* The stored text: a title line, then the claims' quotes among other sentences. */
    S_body(s, buf_str(&s->title), s->title.len);
    S_body(s, "\n\n", 2);
    for (size_t i = 0; i < nclaims; i++)
        S_make_claim(g, s, &cl[i], i, g->done + (int64_t)i);
    char hex[65];
    sha256_hex(s->text.data, s->text.len, hex);
    sqlite3_bind_int64(g->ins_text, 1, seq);
    sqlite3_bind_text(g->ins_text, 2, buf_str(&s->text), (int)s->text.len, SQLITE_STATIC);
    sqlite3_bind_text(g->ins_text, 3, hex, 64, SQLITE_STATIC);
    sqlite3_bind_int64(g->ins_text, 4, (sqlite3_int64)s->cp);
    sqlite3_bind_int64(g->ins_text, 5, (sqlite3_int64)s->text.len);
    if (!S_step(g, g->ins_text, "source_text"))
        return false;
    for (size_t i = 0; i < nclaims; i++) {
        if (!S_insert_claim(g, seq, &cl[i]))
            return false;
    }
    g->done += (int64_t)nclaims;
    return true;
}

static bool S_claims(struct gen *g)
{
    if (!S_prep(g, SQL_SOURCE, &g->ins_source) ||
        !S_prep(g,
                "INSERT INTO source_text (source_seq, body, sha256, chars, bytes) VALUES (?1, ?2, "
                "?3, ?4, ?5)",
                &g->ins_text) ||
        !S_prep(g,
                "INSERT INTO citation (citing_seq, cited_seq, label, note) VALUES (?1, ?2, ?3, "
                "?4)",
                &g->ins_cite) ||
        !S_prep(g, SQL_CLAIM, &g->ins_claim) ||
        !S_prep(g, "INSERT INTO claim_topic (claim_seq, topic_id) VALUES (?1, ?2)",
                &g->ins_topic) ||
        !S_prep(g,
                "INSERT INTO claim_mention (claim_seq, entity_seq, program_seq) VALUES (?1, ?2, "
                "?3)",
                &g->ins_mention))
        return false;
    static struct gclaim cl[MAX_PER_SOURCE];
    struct gsource s;
    memset(&s, 0, sizeof s);
    bool ok = true;
    while (ok && g->done < g->nclaims) {
        int64_t k = 10 + (int64_t)R_below(&g->r, 21);
        if (k > g->nclaims - g->done)
            k = g->nclaims - g->done;
        ok = S_source(g, &s, cl, (size_t)k);
    }
    struct buf *bufs[] = {&s.id,   &s.title,     &s.authors, &s.text,       &s.url,
                          &s.note, &s.published, &s.basis,   &s.author_name};
    for (size_t i = 0; i < NELEM(bufs); i++)
        buf_free(bufs[i]);
    for (size_t i = 0; i < MAX_PER_SOURCE; i++) {
        struct buf *cb[] = {&cl[i].quote,      &cl[i].statement, &cl[i].time_basis, &cl[i].note,
                            &cl[i].value_text, &cl[i].claimant,  &cl[i].as_of,      &cl[i].p0,
                            &cl[i].p1,         &cl[i].vdate};
        for (size_t k = 0; k < NELEM(cb); k++)
            buf_free(cb[k]);
    }
    return ok;
}

static void S_free(struct gen *g)
{
    sqlite3_stmt *sts[] = {g->ins_source, g->ins_text,  g->ins_cite,
                           g->ins_claim,  g->ins_topic, g->ins_mention};
    for (size_t i = 0; i < NELEM(sts); i++)
        sqlite3_finalize(sts[i]);
    for (size_t i = 0; i < g->nents; i++) {
        free(g->ents[i].id);
        free(g->ents[i].name);
        free(g->ents[i].variants);
    }
    for (size_t i = 0; i < g->nprogs; i++) {
        free(g->progs[i].id);
        free(g->progs[i].name);
        free(g->progs[i].variants);
    }
    for (size_t i = 0; i < g->nclaimants; i++)
        free(g->claimants[i].text);
    free(g->ents);
    free(g->ent_kind);
    free(g->progs);
    free(g->claimants);
    free(g->publishers);
    for (int k = 0; k < 5; k++)
        free(g->by_kind[k]);
}

static double S_seconds(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static const char usage[] =
    "Usage: marsad-synth --claims N --out PATH [--seed S]\n"
    "\n"
    "Writes a deterministic synthetic evidence database with the real schema for\n"
    "benchmarks: N claims (1..10000000) in sources of about 20 claims each, 300\n"
    "metrics, entities, programs, topics, mentions, citations and the search index.\n"
    "The same N and S (default 1) always give the same .dump.\n";

static bool S_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end); /* accepts 1e6 as well as 1000000 */
    if (!end || *end || errno || d < (double)lo || d > (double)hi || d != floor(d))
        return false;
    *out = (int64_t)d;
    return true;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    int64_t n = -1, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--out") == 0 && v) {
            out = v;
            i++;
        } else if (strcmp(a, "--claims") == 0 && v) {
            if (!S_parse_i64(v, 1, 10000000, &n)) {
                fprintf(stderr, "marsad-synth: --claims must be 1..10000000, not '%s'\n", v);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0 && v) {
            if (!S_parse_i64(v, 0, 4294967295.0, &seed)) {
                fprintf(stderr, "marsad-synth: --seed must be 0..4294967295, not '%s'\n", v);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "marsad-synth: unknown or incomplete argument '%s'\n\n%s", a, usage);
            return 2;
        }
    }
    if (!out || n < 0) {
        fprintf(stderr, "marsad: generate needs --claims N and --out PATH\n\n%s", usage);
        return 2;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char tmp[4200];
    int w = snprintf(tmp, sizeof tmp, "%s.tmp", out);
    if (w < 0 || (size_t)w >= sizeof tmp) {
        fputs("marsad-synth: --out path too long\n", stderr);
        return 2;
    }
    unlink(tmp);
    struct db_conn *conn = NULL;
    if (db_open(tmp, false, &conn) != APP_OK) {
        fprintf(stderr, "marsad-synth: cannot create %s: %s\n", tmp, db_errmsg(conn));
        db_close(conn);
        return 1;
    }
    static struct gen g;
    memset(&g, 0, sizeof g);
    g.db = db_handle(conn);
    g.nclaims = n;
    g.seed = (uint64_t)seed;
    g.r.s = 0x6D61727361642D31u ^ ((uint64_t)seed * 0x9E3779B97F4A7C15u) ^ (uint64_t)n;
    g.big_target = n / 10 < 5000 ? n / 10 : 5000;
    g.list_target = n / 20 < 1000 ? n / 20 : 1000;
    g.big_stride = g.big_target ? n / g.big_target : 1;
    g.list_stride = g.list_target ? n / g.list_target : 1;
    int from = 0, to = 0;
    bool ok = S_exec(&g, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
                         "PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY; "
                         "PRAGMA locking_mode = EXCLUSIVE");
    if (ok && db_migrate(conn, &from, &to) != APP_OK)
        ok = S_fail(&g, "migrations");
    ok = ok && S_exec(&g, "BEGIN");
    ok = ok && S_topics(&g) && S_programs(&g) && S_entities(&g) && S_metrics(&g);
    if (ok)
        S_claimants(&g);
    ok = ok && S_claims(&g);
    double t_rows = S_seconds(&t0);
    if (ok && search_repo_rebuild(conn) != APP_OK)
        ok = S_fail(&g, "search index");
    double t_index = S_seconds(&t0);
    if (ok) {
        char text[96], hex[65];
        int tw =
            snprintf(text, sizeof text, "marsad-synth/1 claims=%" PRId64 " seed=%" PRId64, n, seed);
        sha256_hex(text, tw > 0 ? (size_t)tw : 0, hex);
        sqlite3_stmt *st = NULL;
        ok = S_prep(&g, "INSERT INTO dataset (id, version, inputs_sha256) VALUES (1, 1, ?1)", &st);
        if (ok) {
            B_text(st, 1, hex);
            ok = S_step(&g, st, "dataset");
        }
        sqlite3_finalize(st);
    }
    ok = ok && S_exec(&g, "COMMIT");
    if (!ok) {
        fprintf(stderr, "marsad-synth: %s\n", g.err);
        db_rollback(conn);
    }
    S_free(&g);
    db_close(conn);
    if (ok && rename(tmp, out) != 0) {
        fprintf(stderr, "marsad-synth: cannot rename %s to %s\n", tmp, out);
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        return 1;
    }
    struct stat sb;
    double mb = stat(out, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;
    printf("generated %s: %" PRId64 " claims in %" PRId64 " sources (+%" PRId64
           " cited), %zu metrics, %zu entities, %zu programs, %" PRId64 " topic rows, %" PRId64
           " mentions; rows %.1f s, search index %.1f s, total %.1f s; %.1f MiB\n",
           out, g.done, g.nsources, g.ncited, g.nmetrics, g.nents, g.nprogs, g.ntopics, g.nmentions,
           t_rows, t_index - t_rows, S_seconds(&t0), mb);
    return 0;
}
