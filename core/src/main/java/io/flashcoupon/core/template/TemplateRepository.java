package io.flashcoupon.core.template;

import static io.flashcoupon.core.db.Sql.getInstant;
import static io.flashcoupon.core.db.Sql.getNullableInt;
import static io.flashcoupon.core.db.Sql.getNullableLong;
import static io.flashcoupon.core.db.Sql.idsFromJson;
import static io.flashcoupon.core.db.Sql.idsToJson;
import static io.flashcoupon.core.db.Sql.setInstant;

import io.flashcoupon.core.Registry;
import io.flashcoupon.core.db.DataAccessException;
import io.flashcoupon.core.db.Sql;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.StackingClass;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * coupon_templates, the current version of each template. Creating a template makes its version 1,
 * every edit the next one; each version's terms are copied into {@link TemplateVersions} in the same
 * transaction, so the coupons granted with an earlier version keep their terms.
 */
public final class TemplateRepository {
    private static final String COLUMNS = TemplateVersions.COLUMNS;
    private static final String INSERT = "INSERT INTO " + Registry.TABLE_TEMPLATES + " (" + COLUMNS
            + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    private static final String UPDATE = "UPDATE " + Registry.TABLE_TEMPLATES + " SET name=?, type=?,"
            + " discount_amount_cents=?, discount_bps=?, min_amount_cents=?, max_discount_cents=?, total_count=?,"
            + " per_user_limit=?, valid_start_time=?, valid_end_time=?, valid_days=?, applicable_goods=?,"
            + " applicable_categories=?, excluded_goods=?, excluded_categories=?, status=?, stack_exclusive=?,"
            + " stack_max_per_order=?, stack_combines_with=?, min_payable_cents=?, version=version+1"
            + " WHERE id=?";
    private static final String SELECT = "SELECT id, " + COLUMNS + ", created_at, updated_at FROM "
            + Registry.TABLE_TEMPLATES;

    private final DataSource dataSource;

    public TemplateRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Inserts a validated template (version 1, recorded in the history) and returns it as stored. */
    public Template insert(Template t) {
        long id;
        try (Connection c = dataSource.getConnection()) {
            id = Sql.inTransaction(c, tx -> {
                long made;
                try (PreparedStatement ps = tx.prepareStatement(INSERT, Statement.RETURN_GENERATED_KEYS)) {
                    bind(ps, t);
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        made = keys.getLong(1);
                    }
                }
                TemplateVersions.record(tx, made);
                return made;
            });
        } catch (SQLException e) {
            throw new DataAccessException("insert template failed", e);
        }
        return find(id).orElseThrow();
    }

    /**
     * Replaces every mutable field as the template's next version (recorded in the history in the
     * same transaction); returns the stored template, or empty when the id is unknown. Coupons granted
     * with an earlier version keep that version's terms.
     */
    public Optional<Template> update(long id, Template t) {
        try (Connection c = dataSource.getConnection()) {
            boolean found = Sql.inTransaction(c, tx -> {
                try (PreparedStatement ps = tx.prepareStatement(UPDATE)) {
                    bind(ps, t);
                    ps.setLong(21, id);
                    if (ps.executeUpdate() == 0) {
                        return false;
                    }
                }
                TemplateVersions.record(tx, id);
                return true;
            });
            if (!found) {
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw new DataAccessException("update template " + id + " failed", e);
        }
        return find(id);
    }

    /** The current version of template {@code id}; empty when the id is unknown. */
    public java.util.OptionalInt currentVersion(long id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT version FROM " + Registry.TABLE_TEMPLATES
                        + " WHERE id=?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.OptionalInt.of(rs.getInt(1)) : java.util.OptionalInt.empty();
            }
        } catch (SQLException e) {
            throw new DataAccessException("read version of template " + id + " failed", e);
        }
    }

    public Optional<Template> find(long id) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id=?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new DataAccessException("read template " + id + " failed", e);
        }
    }

    /** Templates with id below {@code beforeId} (0 = from the newest), newest first. */
    public List<Template> list(TemplateStatus status, long beforeId, int limit) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE 1=1");
        if (status != null) {
            sql.append(" AND status=?");
        }
        if (beforeId > 0) {
            sql.append(" AND id<?");
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            if (status != null) {
                ps.setInt(i++, status.code());
            }
            if (beforeId > 0) {
                ps.setLong(i++, beforeId);
            }
            ps.setInt(i, limit);
            List<Template> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DataAccessException("list templates failed", e);
        }
    }

    private static void bind(PreparedStatement ps, Template t) throws SQLException {
        ps.setString(1, t.name());
        ps.setInt(2, t.type().code());
        ps.setLong(3, t.discountAmountCents());
        ps.setInt(4, t.discountBps());
        ps.setLong(5, t.minAmountCents());
        if (t.maxDiscountCents() == null) {
            ps.setNull(6, Types.BIGINT);
        } else {
            ps.setLong(6, t.maxDiscountCents());
        }
        ps.setInt(7, t.totalCount());
        ps.setInt(8, t.perUserLimit());
        setInstant(ps, 9, t.validStart());
        setInstant(ps, 10, t.validEnd());
        if (t.validDays() == null) {
            ps.setNull(11, Types.INTEGER);
        } else {
            ps.setInt(11, t.validDays());
        }
        ps.setString(12, idsToJson(t.applicableGoodsIds()));
        ps.setString(13, idsToJson(t.applicableCategoryIds()));
        ps.setString(14, idsToJson(t.excludedGoodsIds()));
        ps.setString(15, idsToJson(t.excludedCategoryIds()));
        ps.setInt(16, t.status().code());
        ps.setBoolean(17, t.stacking().exclusive());
        ps.setInt(18, t.stacking().maxPerOrder());
        ps.setString(19, classesToText(t.stacking().combinesWith()));
        ps.setLong(20, t.stacking().minPayableCents());
    }

    /** NULL for every class (the default), else the class names in declaration order, comma-separated. */
    static String classesToText(Set<StackingClass> classes) {
        if (classes.containsAll(EnumSet.allOf(StackingClass.class))) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (StackingClass c : StackingClass.values()) {
            if (classes.contains(c)) {
                sb.append(sb.length() == 0 ? "" : ",").append(c.name());
            }
        }
        return sb.toString();
    }

    static Set<StackingClass> classesFromText(String text) {
        if (text == null) {
            return EnumSet.allOf(StackingClass.class);
        }
        EnumSet<StackingClass> out = EnumSet.noneOf(StackingClass.class);
        for (String name : text.split(",")) {
            if (!name.isBlank()) {
                out.add(StackingClass.valueOf(name.trim()));
            }
        }
        return out;
    }

    private static Template map(ResultSet rs) throws SQLException {
        return terms(rs, rs.getLong("id"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }

    /** A template from a row holding the terms' columns (COLUMNS), here or in the version history. */
    static Template terms(ResultSet rs, long id, java.time.Instant created, java.time.Instant updated)
            throws SQLException {
        return new Template(
                id,
                rs.getString("name"),
                CouponType.ofCode(rs.getInt("type")),
                rs.getLong("discount_amount_cents"),
                rs.getInt("discount_bps"),
                rs.getLong("min_amount_cents"),
                getNullableLong(rs, "max_discount_cents"),
                rs.getInt("total_count"),
                rs.getInt("per_user_limit"),
                getInstant(rs, "valid_start_time"),
                getInstant(rs, "valid_end_time"),
                getNullableInt(rs, "valid_days"),
                idsFromJson(rs.getString("applicable_goods")),
                idsFromJson(rs.getString("applicable_categories")),
                idsFromJson(rs.getString("excluded_goods")),
                idsFromJson(rs.getString("excluded_categories")),
                TemplateStatus.ofCode(rs.getInt("status")),
                created,
                updated,
                new Template.Stacking(rs.getBoolean("stack_exclusive"), rs.getInt("stack_max_per_order"),
                        classesFromText(rs.getString("stack_combines_with")), rs.getLong("min_payable_cents")));
    }

}
