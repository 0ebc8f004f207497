/*
 * The yes/no clause categories of CUAD (the Atticus Project's Contract Understanding Dataset) that
 * the analyzer detects, each with the field name used in results and reports (snake case) and the
 * category name CUAD's labels use. Each category's detection rule lives in ClauseRules.
 */
package dev.longhaul.pipeline.analyze.contracts;

import java.util.Locale;
import java.util.Optional;

public enum ClauseCategory {
    MOST_FAVORED_NATION("Most Favored Nation"),
    NON_COMPETE("Non-Compete"),
    EXCLUSIVITY("Exclusivity"),
    NO_SOLICIT_OF_CUSTOMERS("No-Solicit of Customers"),
    COMPETITIVE_RESTRICTION_EXCEPTION("Competitive Restriction Exception"),
    NO_SOLICIT_OF_EMPLOYEES("No-Solicit of Employees"),
    NON_DISPARAGEMENT("Non-Disparagement"),
    TERMINATION_FOR_CONVENIENCE("Termination for Convenience"),
    ROFR_ROFO_ROFN("Rofr/Rofo/Rofn"),
    CHANGE_OF_CONTROL("Change of Control"),
    ANTI_ASSIGNMENT("Anti-Assignment"),
    REVENUE_PROFIT_SHARING("Revenue/Profit Sharing"),
    PRICE_RESTRICTIONS("Price Restrictions"),
    MINIMUM_COMMITMENT("Minimum Commitment"),
    VOLUME_RESTRICTION("Volume Restriction"),
    IP_OWNERSHIP_ASSIGNMENT("IP Ownership Assignment"),
    JOINT_IP_OWNERSHIP("Joint IP Ownership"),
    LICENSE_GRANT("License Grant"),
    NON_TRANSFERABLE_LICENSE("Non-Transferable License"),
    AFFILIATE_LICENSE_LICENSOR("Affiliate License-Licensor"),
    AFFILIATE_LICENSE_LICENSEE("Affiliate License-Licensee"),
    UNLIMITED_LICENSE("Unlimited/All-You-Can-Eat-License"),
    IRREVOCABLE_OR_PERPETUAL_LICENSE("Irrevocable or Perpetual License"),
    SOURCE_CODE_ESCROW("Source Code Escrow"),
    POST_TERMINATION_SERVICES("Post-Termination Services"),
    AUDIT_RIGHTS("Audit Rights"),
    UNCAPPED_LIABILITY("Uncapped Liability"),
    CAP_ON_LIABILITY("Cap on Liability"),
    LIQUIDATED_DAMAGES("Liquidated Damages"),
    WARRANTY_DURATION("Warranty Duration"),
    INSURANCE("Insurance"),
    COVENANT_NOT_TO_SUE("Covenant Not to Sue"),
    THIRD_PARTY_BENEFICIARY("Third Party Beneficiary");

    private final String cuadName;

    ClauseCategory(String cuadName) {
        this.cuadName = cuadName;
    }

    public String cuadName() {
        return cuadName;
    }

    /** "anti_assignment", "rofr_rofo_rofn": the name in results and reports. */
    public String field() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** CUAD's label files vary the capitals ("Ip Ownership Assignment"); compare ignoring case. */
    public static Optional<ClauseCategory> ofCuadName(String name) {
        for (ClauseCategory c : values()) {
            if (c.cuadName.equalsIgnoreCase(name.strip())) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
