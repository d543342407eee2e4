package io.flashcoupon.core.template;


import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * coupon_template_versions: every version of every template's terms, written in the transaction that
 * created or edited the template ({@link TemplateRepository}) and never changed after, so a coupon is
 * priced by the terms it was granted with however the template is edited since (docs/discounts.md).
 */
public final class TemplateVersions implements TermsLookup {
    static final String COLUMNS = "name, type, discount_amount_cents, discount_bps, min_amount_cents,"
            + " max_discount_cents, total_count, per_user_limit, valid_start_time, valid_end_time, valid_days,"
            + " applicable_goods, applicable_categories, excluded_goods, excluded_categories, status,"
            + " stack_exclusive, stack_max_per_order, stack_combines_with, min_payable_cents";
    private static final String RECORD = "INSERT INTO " + Registry.TABLE_TEMPLATE_VERSIONS + " (template_id, version, "
            + COLUMNS + ") SELECT id, version, " + COLUMNS + " FROM " + Registry.TABLE_TEMPLATES + " WHERE id=?";
    private static final String SELECT = "SELECT template_id, version, " + COLUMNS + ", created_at FROM "
            + Registry.TABLE_TEMPLATE_VERSIONS + " WHERE template_id=? AND version=?";

    private final DataSource dataSource;

    public TemplateVersions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Copies template {@code templateId} as it is now in {@code c}'s transaction - its current version
     * number and terms - into the history; a version already recorded is a duplicate key (an error).
     */
    static void record(Connection c, long templateId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECORD)) {
            ps.setLong(1, templateId);
            if (ps.executeUpdate() != 1) {
                throw new SQLException("template " + templateId + " vanished while its version was recorded");
            }
        }
    }

    /** Template {@code templateId} as it was at {@code version}; empty when there is no such version. */
    @Override
    public Optional<Template> find(long templateId, int version) {
        try (Connection c = dataSource.getConnection()) {
            return read(c, templateId, version);
        } catch (SQLException e) {
            throw new DataAccessException("read version " + version + " of template " + templateId + " failed", e);
        }
    }

    @Override
    public Optional<Template> find(Connection c, long templateId, int version) {
        try {
            return read(c, templateId, version);
        } catch (SQLException e) {
            throw new DataAccessException("read version " + version + " of template " + templateId + " failed", e);
        }
    }

    private static Optional<Template> read(Connection c, long templateId, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setLong(1, templateId);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** The version's terms; created_at and updated_at are both when the version was made. */
    private static Template map(ResultSet rs) throws SQLException {
        java.time.Instant made = rs.getTimestamp("created_at").toInstant();
        return TemplateRepository.terms(rs, rs.getLong("template_id"), made, made);
    }

}
