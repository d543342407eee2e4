package io.flashcoupon.ingress;

import io.flashcoupon.core.InvalidInputException;
import io.flashcoupon.core.NotFoundException;
import io.flashcoupon.core.template.PublishedTemplatePages;
import io.flashcoupon.core.template.Template;
import io.flashcoupon.core.template.TemplateRepository;
import io.flashcoupon.core.template.TemplateRules;
import io.flashcoupon.core.template.TemplateStatus;
import io.flashcoupon.core.wallet.OrderCoupons;
import io.flashcoupon.discount.CouponType;
import io.flashcoupon.discount.Order;
import io.flashcoupon.discount.StackingClass;
import io.flashcoupon.proto.v1.AvailableCouponsResponse;
import io.flashcoupon.proto.v1.CalculateDiscountRequest;
import io.flashcoupon.proto.v1.CouponAvailability;
import io.flashcoupon.proto.v1.CreateTemplateRequest;
import io.flashcoupon.proto.v1.DiscountResponse;
import io.flashcoupon.proto.v1.GetTemplateRequest;
import io.flashcoupon.proto.v1.ListTemplatesRequest;
import io.flashcoupon.proto.v1.ListTemplatesResponse;
import io.flashcoupon.proto.v1.OrderCouponsRequest;
import io.flashcoupon.proto.v1.TemplateResponse;
import io.flashcoupon.proto.v1.TemplateStacking;
import io.flashcoupon.proto.v1.UpdateTemplateRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Template management, GetAvailableCouponsForOrder and CalculateDiscount over gRPC: the same rules
 * as the admin REST API ({@link TemplateRules}, {@link OrderCoupons}). Template reads go through the
 * caches: GetCouponTemplate through the template cache (L1 -> L2 -> MySQL, unknown ids remembered),
 * ListCouponTemplates of PUBLISHED templates through {@link PublishedTemplatePages}; both are kept true
 * by the binlog invalidation on every instance, and a write made here drops them on this instance at
 * once. Lists of other statuses (operator views) read MySQL.
 */
public final class WalletGrpc {
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 200;

    private final TemplateRepository templates;
    private final LongFunction<Optional<Template>> cachedTemplate;
    private final PublishedTemplatePages publishedPages;
    private final LongConsumer templateChanged;
    private final OrderCoupons orders;
    private final Clock clock;

    /** Templates straight from MySQL (no caches). */
    public WalletGrpc(TemplateRepository templates, OrderCoupons orders, Clock clock) {
        this(templates, templates::find, null, id -> { }, orders, clock);
    }

    /**
     * {@code cachedTemplate}: the template cache's lookup; {@code publishedPages}: the pages of published
     * templates (null = MySQL); {@code templateChanged}: drops a template this instance wrote from its caches.
     */
    public WalletGrpc(TemplateRepository templates, LongFunction<Optional<Template>> cachedTemplate,
            PublishedTemplatePages publishedPages, LongConsumer templateChanged, OrderCoupons orders, Clock clock) {
        this.templates = templates;
        this.cachedTemplate = cachedTemplate;
        this.publishedPages = publishedPages;
        this.templateChanged = templateChanged;
        this.orders = orders;
        this.clock = clock;
    }

    TemplateResponse create(CreateTemplateRequest r) {
        Template t = templates.insert(fromProto(r.getTemplate(), clock.instant()));
        templateChanged.accept(t.id());
        return TemplateResponse.newBuilder().setTemplate(toProto(t)).build();
    }

    TemplateResponse update(UpdateTemplateRequest r) {
        long id = r.getTemplate().getId();
        positive("template.id", id);
        Template t = fromProto(r.getTemplate(), clock.instant());
        Template updated = templates.update(id, t).orElseThrow(() -> notFound(id));
        templateChanged.accept(id);
        return TemplateResponse.newBuilder().setTemplate(toProto(updated)).build();
    }

    TemplateResponse get(GetTemplateRequest r) {
        positive("id", r.getId());
        return TemplateResponse.newBuilder()
                .setTemplate(toProto(cachedTemplate.apply(r.getId()).orElseThrow(() -> notFound(r.getId())))).build();
    }

    ListTemplatesResponse list(ListTemplatesRequest r) {
        int size = r.getPageSize() == 0 ? DEFAULT_PAGE : r.getPageSize();
        if (size < 1 || size > MAX_PAGE) {
            throw new InvalidInputException("page_size", "must be between 1 and " + MAX_PAGE + ", was " + size);
        }
        long before = PageToken.before(r.getPageToken());
        TemplateStatus status = null;
        if (r.hasStatus()) {
            if (r.getStatus() == io.flashcoupon.proto.v1.TemplateStatus.TEMPLATE_STATUS_UNSPECIFIED
                    || r.getStatus() == io.flashcoupon.proto.v1.TemplateStatus.UNRECOGNIZED) {
                throw new InvalidInputException("status", "must be DRAFT, PUBLISHED or DISABLED");
            }
            status = TemplateStatus.ofCode(r.getStatus().getNumber());
        }
        List<Template> page = status == TemplateStatus.PUBLISHED && publishedPages != null
                ? publishedPages.page(before, size) : templates.list(status, before, size);
        ListTemplatesResponse.Builder b = ListTemplatesResponse.newBuilder();
        page.forEach(t -> b.addTemplates(toProto(t)));
        if (page.size() == size) {
            b.setNextPageToken(Long.toString(page.get(page.size() - 1).id()));
        }
        return b.build();
    }

    AvailableCouponsResponse availableForOrder(OrderCouponsRequest r) {
        positive("user_id", r.getUserId());
        OrderCoupons.Available a = orders.available(r.getUserId(),
                new Order(DiscountProtos.lines(r.getItemsList()), r.getShippingFeeCents()));
        AvailableCouponsResponse.Builder b = AvailableCouponsResponse.newBuilder()
                .setBest(DiscountProtos.response(a.best().result()))
                .setBestProven(a.best().proven())
                .setBestUnprovenReason(a.best().unprovenReason());
        for (OrderCoupons.Verdict v : a.coupons()) {
            b.addCoupons(CouponAvailability.newBuilder().setCoupon(ProtoMapper.coupon(v.coupon()))
                    .setUsable(v.usable()).setDiscountCents(v.discountCents())
                    .setReason(v.reason() == null ? "" : v.reason()));
        }
        return b.build();
    }

    DiscountResponse calculate(CalculateDiscountRequest r) {
        positive("user_id", r.getUserId());
        return DiscountProtos.response(orders.calculate(r.getUserId(), r.getCouponIdsList(),
                new Order(DiscountProtos.lines(r.getItemsList()), r.getShippingFeeCents())));
    }

    static Template fromProto(io.flashcoupon.proto.v1.Template p, Instant now) {
        CouponType type = switch (p.getType()) {
            case FULL_CUT -> CouponType.FULL_CUT;
            case PERCENT_OFF -> CouponType.PERCENT_OFF;
            case FREE_SHIPPING -> CouponType.FREE_SHIPPING;
            default -> null;
        };
        TemplateStatus status = switch (p.getStatus()) {
            case DRAFT -> TemplateStatus.DRAFT;
            case DISABLED -> TemplateStatus.DISABLED;
            default -> TemplateStatus.PUBLISHED;
        };
        Template t = new Template(0, p.getName(), type, p.getDiscountAmountCents(), p.getDiscountBps(),
                p.getMinAmountCents(), p.hasMaxDiscountCents() ? p.getMaxDiscountCents() : null, p.getTotalCount(),
                p.getPerUserLimit() == 0 ? 1 : p.getPerUserLimit(),
                p.hasValidStartMs() ? Instant.ofEpochMilli(p.getValidStartMs()) : null,
                p.hasValidEndMs() ? Instant.ofEpochMilli(p.getValidEndMs()) : null,
                p.hasValidDays() ? p.getValidDays() : null,
                p.getApplicableGoodsIdsList(), p.getApplicableCategoryIdsList(), p.getExcludedGoodsIdsList(),
                p.getExcludedCategoryIdsList(), status, now, now, stacking(p.getStacking()));
        var errors = TemplateRules.violations(t);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return t;
    }

    /** Zero values mean the defaults; STACKING_CLASS_UNSPECIFIED (or an unknown number) is refused. */
    static Template.Stacking stacking(TemplateStacking p) {
        Set<StackingClass> with = EnumSet.noneOf(StackingClass.class);
        for (io.flashcoupon.proto.v1.StackingClass c : p.getCombinesWithList()) {
            with.add(switch (c) {
                case STACKING_AMOUNT -> StackingClass.AMOUNT;
                case STACKING_PERCENT -> StackingClass.PERCENT;
                case STACKING_SHIPPING -> StackingClass.SHIPPING;
                default -> throw new InvalidInputException("stacking.combines_with",
                        "must list STACKING_AMOUNT, STACKING_PERCENT or STACKING_SHIPPING, got " + c);
            });
        }
        Template.Stacking d = Template.Stacking.DEFAULT;
        return new Template.Stacking(p.getExclusive(), p.getMaxPerOrder() == 0 ? d.maxPerOrder() : p.getMaxPerOrder(),
                with.isEmpty() ? d.combinesWith() : with, p.getMinPayableCents());
    }

    static io.flashcoupon.proto.v1.Template toProto(Template t) {
        io.flashcoupon.proto.v1.Template.Builder b = io.flashcoupon.proto.v1.Template.newBuilder()
                .setId(t.id())
                .setName(t.name())
                .setType(io.flashcoupon.proto.v1.CouponType.forNumber(t.type().code()))
                .setDiscountAmountCents(t.discountAmountCents())
                .setDiscountBps(t.discountBps())
                .setMinAmountCents(t.minAmountCents())
                .setTotalCount(t.totalCount())
                .setPerUserLimit(t.perUserLimit())
                .addAllApplicableGoodsIds(t.applicableGoodsIds())
                .addAllApplicableCategoryIds(t.applicableCategoryIds())
                .addAllExcludedGoodsIds(t.excludedGoodsIds())
                .addAllExcludedCategoryIds(t.excludedCategoryIds())
                .setStatus(io.flashcoupon.proto.v1.TemplateStatus.forNumber(t.status().code()));
        if (t.maxDiscountCents() != null) {
            b.setMaxDiscountCents(t.maxDiscountCents());
        }
        if (t.validStart() != null) {
            b.setValidStartMs(t.validStart().toEpochMilli());
        }
        if (t.validEnd() != null) {
            b.setValidEndMs(t.validEnd().toEpochMilli());
        }
        if (t.validDays() != null) {
            b.setValidDays(t.validDays());
        }
        if (t.createdAt() != null) {
            b.setCreatedAtMs(t.createdAt().toEpochMilli());
        }
        if (t.updatedAt() != null) {
            b.setUpdatedAtMs(t.updatedAt().toEpochMilli());
        }
        TemplateStacking.Builder st = TemplateStacking.newBuilder()
                .setExclusive(t.stacking().exclusive())
                .setMaxPerOrder(t.stacking().maxPerOrder())
                .setMinPayableCents(t.stacking().minPayableCents());
        for (StackingClass c : StackingClass.values()) {
            if (t.stacking().combinesWith().contains(c)) {
                st.addCombinesWith(switch (c) {
                    case AMOUNT -> io.flashcoupon.proto.v1.StackingClass.STACKING_AMOUNT;
                    case PERCENT -> io.flashcoupon.proto.v1.StackingClass.STACKING_PERCENT;
                    case SHIPPING -> io.flashcoupon.proto.v1.StackingClass.STACKING_SHIPPING;
                });
            }
        }
        b.setStacking(st);
        return b.build();
    }

    private static void positive(String field, long v) {
        if (v <= 0) {
            throw new InvalidInputException(field, "must be positive, was " + v);
        }
    }

    private static NotFoundException notFound(long id) {
        return new NotFoundException("template " + id + " does not exist");
    }
}
