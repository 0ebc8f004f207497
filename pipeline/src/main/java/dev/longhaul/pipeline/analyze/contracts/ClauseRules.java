/*
 * Keyword-in-context rules for CUAD's yes/no clause categories. A category is present when some
 * sentence matches its trigger and not its veto; the veto removes the drafting that negates or
 * inverts the trigger (a "non-exclusive" licence, "no third party beneficiaries", termination "for
 * breach" rather than for convenience). Triggers are phrased after how such clauses are commonly
 * drafted, not after any one contract. Up to MAX_SPANS supporting sentences are kept per category.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

final class ClauseRules {
    static final int MAX_SPANS = 3;

    private record Rule(Pattern trigger, Pattern veto) {
        boolean matches(String sentence) {
            return trigger.matcher(sentence).find() && (veto == null || !veto.matcher(sentence).find());
        }
    }

    private static final String LICENSE = "licen[cs]e";
    private static final String COMPETE = "(?:compet\\w*|rival)";
    private static final Map<ClauseCategory, Rule> RULES = new EnumMap<>(ClauseCategory.class);

    private static void rule(ClauseCategory c, String trigger) {
        RULES.put(c, new Rule(Rx.of(trigger), null));
    }

    private static void rule(ClauseCategory c, String trigger, String veto) {
        RULES.put(c, new Rule(Rx.of(trigger), Rx.of(veto)));
    }

    static {
        rule(ClauseCategory.MOST_FAVORED_NATION, "\\bmost favou?red\\b|\\b(?:no less favou?rable|at least as favou?rable|"
                + "lower|better|more favou?rable)\\b[^.;]{0,120}\\b(?:than|as) (?:those|that|the (?:prices?|terms))\\b[^.;]{0,120}"
                + "\\b(?:any (?:other|third)|other (?:customers?|distributors?|licensees?|purchasers?)|similarly situated)");
        rule(ClauseCategory.NON_COMPETE, "\\bnon-?compet\\w*|\\bnot(?: to)?,? (?:directly or indirectly,? )?(?:\\w+ ){0,4}"
                + "(?:engage|participate|invest|be interested|own|manage|operate)\\b[^.;]{0,160}\\b" + COMPETE
                + "|\\b(?:shall|will|may) not[^.;]{0,100}\\b(?:compete|competing|competitive)\\b");
        rule(ClauseCategory.EXCLUSIVITY, "(?<!non)(?<!non-)\\bexclusive (?:distribut\\w*|licen[cs]\\w*|rights?|"
                + "supplier|provider|basis|dealer|agen\\w*|reseller|sponsor\\w*|partner|marketing|right to|territory|seller)"
                + "|\\bsole(?: and exclusive)? (?:source|supplier|provider|distributor)|\\ball (?:of )?(?:its|their) requirements\\b"
                + "|\\bexclusively (?:from|to|through|with)\\b",
                "\\bexclusive (?:jurisdiction|remedy|remedies|venue|forum|property|owner)\\b|\\bnon-?exclusive\\b");
        rule(ClauseCategory.NO_SOLICIT_OF_CUSTOMERS, "\\bsolicit\\w*[^.;]{0,120}\\b(?:customers?|clients?|accounts|"
                + "suppliers|distributors|franchisees)\\b");
        rule(ClauseCategory.COMPETITIVE_RESTRICTION_EXCEPTION, "\\b(?:notwithstanding|except|provided,? however|shall not "
                + "(?:prevent|prohibit|restrict|apply))\\b[^;]{0,250}\\b(?:compet\\w*|exclusiv\\w*|solicit\\w*)\\b");
        rule(ClauseCategory.NO_SOLICIT_OF_EMPLOYEES, "\\b(?:solicit\\w*|hire|employ|recruit\\w*)\\b[^.;]{0,100}\\b"
                + "(?:employees?|personnel|staff|consultants)\\b[^.;]{0,80}\\b(?:of|from|employed by|engaged by)\\b",
                "\\bequal employment|\\bimmigration|\\bindependent contractor\\b");
        rule(ClauseCategory.NON_DISPARAGEMENT, "\\bdisparag\\w*|\\bderogatory\\b|\\bnegative (?:statements?|comments?)");
        rule(ClauseCategory.TERMINATION_FOR_CONVENIENCE, "\\bterminat\\w*[^.;]{0,120}\\b(?:for convenience|for any reason|"
                + "without cause|with or without cause|for no reason|at (?:its|their) (?:sole )?(?:discretion|option)|"
                + "at any time[^.;]{0,80}(?:upon|on|by giving|with) [^.;]{0,40}\\bnotice)",
                "\\bfor cause\\b(?! or)");
        rule(ClauseCategory.ROFR_ROFO_ROFN, "\\b(?:right|option) of first (?:refusal|offer|negotiation)|\\bfirst right (?:of|to) "
                + "(?:refusal|negotiat\\w*|offer|purchase)|\\bright of first\\b");
        rule(ClauseCategory.CHANGE_OF_CONTROL, "\\bchange (?:of|in) (?:the )?control\\b|\\b(?:merger|consolidation|acquisition)\\b"
                + "[^.;]{0,150}\\b(?:terminat\\w*|consent)\\b");
        rule(ClauseCategory.ANTI_ASSIGNMENT, "\\b(?:not|no|neither)\\b[^.;]{0,80}\\b(?:assign\\w*|transfer\\w*)\\b[^.;]{0,200}"
                + "\\b(?:consent|approval|permission|notice)\\b|\\b(?:assign\\w*|transfer\\w*)[^.;]{0,200}\\bwithout (?:the )?"
                + "(?:prior )?(?:express )?(?:written )?(?:consent|approval)|\\b(?:not|non-?)(?: be)? assignable\\b");
        rule(ClauseCategory.REVENUE_PROFIT_SHARING, "\\broyalt(?:y|ies)\\b|\\b(?:revenue|profit)s?[- ]shar\\w*|\\b(?:percent(?:age)?|%)"
                + " of (?:the |all |its )?(?:net |gross )?(?:revenues?|sales|profits?|receipts|proceeds|income|fees)\\b"
                + "|\\bcommissions?\\b");
        rule(ClauseCategory.PRICE_RESTRICTIONS, "\\b(?:shall|will|may) not (?:\\w+ ){0,3}(?:increase|raise|change|exceed)\\b"
                + "[^.;]{0,60}\\bprices?\\b|\\bprices?\\b[^.;]{0,80}\\b(?:shall|will) (?:remain (?:fixed|firm|the same)|not "
                + "(?:increase|change|exceed))");
        rule(ClauseCategory.MINIMUM_COMMITMENT, "\\bminimum (?:annual |monthly |quarterly )?(?:purchase|order|quantit\\w*|volume|"
                + "commitment|amount|number|sales|payment|royalt\\w*|fee|guarantee)|\\b(?:purchase|order|buy) (?:at least|a minimum of|"
                + "not less than)\\b");
        rule(ClauseCategory.VOLUME_RESTRICTION, "\\b(?:in excess of|exceed\\w*|more than|up to|maximum of)\\b[^.;]{0,80}\\b"
                + "(?:units|users|hours|pagers|impressions|transactions|licenses|copies|seats|technicians|per (?:month|year))\\b");
        rule(ClauseCategory.IP_OWNERSHIP_ASSIGNMENT, "\\bhereby (?:irrevocably )?(?:assigns?|transfers?|conveys?)\\b[^.;]{0,120}"
                + "\\b(?:right, title|title|intellectual property|ownership)\\b|\\bworks? made for hire\\b|\\b(?:shall|will) (?:be|become"
                + "|remain|vest in)\\b[^.;]{0,40}\\b(?:sole |exclusive )*property of\\b[^.;]{0,200}\\b(?:develop\\w*|creat\\w*|"
                + "invent\\w*|improvements?|work product|deliverables)");
        rule(ClauseCategory.JOINT_IP_OWNERSHIP, "\\bjoint(?:ly)?[- ]own\\w*|\\bjoint ownership\\b|\\bco-?own\\w*|"
                + "\\bowned jointly\\b|\\bjointly by (?:the )?parties\\b");
        rule(ClauseCategory.LICENSE_GRANT, "\\bgrants?\\b[^.;]{0,200}\\b" + LICENSE + "\\b|\\b" + LICENSE + "d? (?:to|under) "
                + "[^.;]{0,40}\\b(?:use|reproduce|sell|distribute|display|make)\\b|\\bhereby " + LICENSE + "s?\\b");
        rule(ClauseCategory.NON_TRANSFERABLE_LICENSE, "\\bnon-?transferr?able\\b|\\bnot (?:be )?transferr?able\\b|\\b" + LICENSE
                + "[^.;]{0,150}\\b(?:may|shall) not (?:be )?(?:transfer\\w*|assign\\w*|sublicens\\w*)");
        rule(ClauseCategory.AFFILIATE_LICENSE_LICENSOR, "\\b(?:and|or) (?:its|their) affiliates\\b[^.;]{0,40}\\bgrants?\\b[^.;]{0,120}"
                + "\\b" + LICENSE + "|\\b" + LICENSE + "\\b[^.;]{0,120}\\b(?:owned|controlled) by [^.;]{0,20}affiliates");
        rule(ClauseCategory.AFFILIATE_LICENSE_LICENSEE, "\\b" + LICENSE + "\\b[^.;]{0,40}\\bto [^.;]{0,40}\\band (?:its|their) "
                + "(?:affiliates|subsidiaries)\\b");
        rule(ClauseCategory.UNLIMITED_LICENSE, "\\bunlimited (?:number|use|right|access|" + LICENSE + "|copies|users)|"
                + "\\ball[- ]you[- ]can[- ]eat\\b|\\benterprise[- ]wide\\b");
        rule(ClauseCategory.IRREVOCABLE_OR_PERPETUAL_LICENSE, "\\b(?:irrevocabl[ey]|perpetual)\\b[^.;]{0,120}\\b" + LICENSE
                + "|\\b" + LICENSE + "\\b[^.;]{0,120}\\b(?:irrevocabl[ey]|perpetual|in perpetuity)\\b");
        rule(ClauseCategory.SOURCE_CODE_ESCROW, "\\bsource code\\b[^.]{0,200}\\bescrow|\\bescrow\\b[^.]{0,200}\\bsource code");
        rule(ClauseCategory.POST_TERMINATION_SERVICES, "\\b(?:after|following|upon|subsequent to|survive) (?:the )?(?:any )?"
                + "(?:termination|expiration|expiry)\\b[^.;]{0,200}\\b(?:shall|will|must) (?:continue to |promptly )?(?:provide|pay|"
                + "return|deliver|maintain|purchase|sell|perform|support|cooperate|assist|transfer|fulfil\\w*|honou?r)\\b|\\b(?:transition|"
                + "wind[- ]down|sell[- ]off|last[- ]time buy)\\b[^.;]{0,100}\\b(?:period|services|assistance)");
        rule(ClauseCategory.AUDIT_RIGHTS, "\\baudit\\w*\\b|\\b(?:inspect\\w*|examin\\w*|review)\\b[^.;]{0,100}\\b(?:books|records|"
                + "accounts|facilities|premises)\\b", "\\baudit committee\\b|\\baudited financial\\b");
        rule(ClauseCategory.UNCAPPED_LIABILITY, "\\b(?:limitations?|exclusions?|cap)\\b[^.;]{0,100}\\b(?:shall|will) not apply\\b"
                + "[^.;]{0,200}\\b(?:breach|indemnif\\w*|confidential\\w*|gross negligence|wil(?:l)?ful|infringe\\w*)");
        rule(ClauseCategory.CAP_ON_LIABILITY, "\\b(?:liability|liable)\\b[^.;]{0,200}\\b(?:shall not exceed|not to exceed|in no "
                + "event exceed|exceed the (?:amount|total|fees)|limited to|in excess of|aggregate)\\b|\\bin no event shall\\b[^.;]{0,150}"
                + "\\bliable\\b[^.;]{0,150}\\b(?:indirect|consequential|special|incidental|punitive|lost profits)\\b|\\b(?:no|not) "
                + "(?:\\w+ ){0,4}liab\\w*\\b[^.;]{0,100}\\b(?:indirect|consequential|special|incidental|punitive|loss of profits|lost "
                + "profits)\\b|\\b(?:action|claim)s?\\b[^.;]{0,80}\\bmay (?:not )?be brought\\b[^.;]{0,60}\\b(?:more than|after)\\b");
        rule(ClauseCategory.LIQUIDATED_DAMAGES, "\\bliquidated damages\\b|\\b(?:termination|break[- ]?up|cancell?ation|early "
                + "termination) (?:fee|charge|payment|penalty)\\b");
        rule(ClauseCategory.WARRANTY_DURATION, "\\bwarrant\\w*\\b[^.;]{0,150}\\b(?:for a period of|period of|for) (?:\\w+ )?\\(?\\d*\\)? ?"
                + "(?:days|months|years)\\b|\\bwarranty period\\b");
        rule(ClauseCategory.INSURANCE, "\\b(?:maintain|carry|obtain|procure|purchase|keep)\\b[^.;]{0,120}\\binsurance\\b|"
                + "\\binsurance (?:coverage|polic(?:y|ies)|certificates?)\\b|\\b(?:additional|named) insured\\b");
        rule(ClauseCategory.COVENANT_NOT_TO_SUE, "\\b(?:not|never)\\b[^.;]{0,40}\\b(?:contest|challenge|attack|dispute|oppose)\\w*\\b"
                + "[^.;]{0,120}\\b(?:validity|ownership|title|rights?|enforceability)\\b|\\bcovenants? not to sue\\b|\\b(?:shall|will) "
                + "not (?:\\w+ ){0,3}(?:sue|bring (?:any )?(?:claim|action|suit))\\b");
        rule(ClauseCategory.THIRD_PARTY_BENEFICIARY, "\\b(?:third[- ]party|intended) beneficiar\\w*",
                "\\b(?:no|not|nothing|neither|none|without)\\b[^.;]{0,200}\\bbeneficiar\\w*|\\bbeneficiar\\w*[^.;]{0,60}\\b(?:no|not)\\b");
    }

    private ClauseRules() {}

    /** Categories present in the document, each with its first supporting sentences. */
    static Map<ClauseCategory, List<Span>> detect(List<Span> sentences) {
        Map<ClauseCategory, List<Span>> found = new EnumMap<>(ClauseCategory.class);
        for (Span s : sentences) {
            for (Map.Entry<ClauseCategory, Rule> e : RULES.entrySet()) {
                List<Span> spans = found.get(e.getKey());
                if ((spans == null || spans.size() < MAX_SPANS) && e.getValue().matches(s.text())) {
                    found.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(s);
                }
            }
        }
        return found;
    }
}
