package io.flashcoupon.discount;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the combination of wallet coupons that saves the most on one order, exactly, under the
 * tie-break "most discount, then fewest coupons, then the lexicographically smallest sorted id
 * list". Every candidate combination is valued by {@link Evaluator}, the same code as calculate.
 *
 * <p>Method (docs/discounts.md has the argument):
 * <ol>
 *   <li>Only coupons that save something on their own take part: a coupon's contribution in any
 *       combination is at most its stand-alone discount (thresholds are measured before discounts
 *       and the base it works on only shrinks), so a coupon worth 0 alone is worth 0 everywhere.
 *   <li>Phase 1, branch and bound over coupons sorted by stand-alone discount, finds the best
 *       value V and the fewest coupons m that reach it. Upper bound of a branch: coupons are
 *       grouped by their set of eligible lines (shipping coupons form one group); a group can
 *       never give more than the amount of its lines (the shipping fee) nor more than the sum of
 *       its members' stand-alone discounts; the goods total caps all goods groups together. The
 *       best way to spend the remaining slots on the groups is a small knapsack over groups.
 *   <li>Phase 2 walks combinations of size m in lexicographic order of their sorted ids, with the
 *       same bound, and stops at the first whose value is V - by construction the tie-break winner.
 *   <li>Coupons with identical terms are interchangeable: at each branching level only the first
 *       of a run of identical coupons is tried, which is the one with the smaller id.
 * </ol>
 * Only combinations the stacking rules allow are considered (class and template limits, exclusive,
 * combines-with); floors cap every bound at the order total minus the chosen coupons' highest floor.
 * A time budget, read from an injected ticker every 256 units of work, bounds the search; when it is
 * spent the search stops and reports {@code proven = false} with the best combination found so far
 * (its figures exact, its optimality not proven).
 */
final class BestCombinationSearch {
    private final Evaluator ev;
    private final int maxStack;
    private final long deadline;
    private final java.util.function.LongSupplier ticker;
    private int sinceTick;
    /** Per item: how many chosen items it may not combine with (exclusive, combines-with). */
    private final int[] blocked;
    /** Per item: the items it may not combine with. */
    private final int[][] conflicts;
    private final int[] template;
    private final int[] perTemplate;
    private final int[] templateCount;
    private final long[] floor;
    private final long orderTotal;

    private final int n;
    private final int[] walletIndex;
    private final long[] value;
    private final int[] cls;
    private final int[] terms;
    private final int[] group;
    private final int[] classLimit;
    private final boolean[] limitedClass;
    private final int classes;

    private final int groups;
    private final long[] groupCap;
    private final int shippingGroup;
    /** subset[g][h]: the lines of group g are all lines of group h. */
    private final boolean[][] subset;
    /** True when no combination can hold two PERCENT_OFF coupons (the default stacking table). */
    private final boolean singlePercent;
    /** Per item: a PERCENT_OFF coupon bounded by the percent-aware rule (only when singlePercent). */
    private final boolean[] pct;
    private final int[] bps;
    private final long[] pctCap;
    /** Per goods group: its lines (empty for the shipping group). */
    private final int[][] groupLineList;
    /**
     * Per line: an upper bound of what the chosen goods groups' proportional spread can leave of it
     * (see {@link #retained}); valid while {@link #retainedVersion} equals {@link #stateVersion}.
     */
    private final long[] lineRetained;
    private long stateVersion;
    private final BitSet[] groupLineSet;
    /** meets[g][h]: groups g and h share a line. */
    private final boolean[][] meets;
    private final int[] inside;
    private final long[] dpOther;
    private long retainedVersion = -1;

    /** Atoms of the cut bound: at most this many (goods atoms and the shipping fee), else the bound is off. */
    private static final int CUT_ATOMS_MAX = 8;
    /** Per item: the atoms its eligible lines (or the shipping fee) fall in; unused when cutSubsets is 0. */
    private final int[] atomMask;
    /** 2^atoms, or 0 when the cut bound is off. */
    private final int cutSubsets;
    /** Per atom subset S: the amount of its atoms. */
    private final long[] cutCap;
    /** Per atom subset S: the items (by value) with an atom outside S. */
    private final int[][] outside;
    /** The atom subset that last cut a branch: tried first next time. */
    private int lastCut;

    private final int[] byValue;
    private final int[] byId;
    private final int[] posValue;
    private final int[] posId;

    // DFS state
    private final int[] chosen;
    private final int[] chosenWallet;
    private int size;
    private final int[] classCount;
    private final long[] groupSum;
    private long goodsBase;
    private long shipBase;
    private int chosenPct = -1;

    // bound scratch
    private final int[] gCnt;
    private final int[] gClassCnt;
    private final long[] gPrefix;
    private final int[] touched;
    private final long[] dpOut;
    private final long[] dpSub;
    private final int[] candPct;
    private final int[] dpStamp;
    private final long[][] dpOutCache;
    private final long[][] dpSubCache;
    private int boundStamp;
    private final int[][] seen;
    private int stamp;

    long nodes;
    boolean exhausted;
    private long bestV;
    private int bestSize;
    private int[] bestSet = new int[0];

    /**
     * @param ev evaluator over the whole wallet
     * @param standalone each wallet coupon's stand-alone discount
     */
    BestCombinationSearch(Evaluator ev, long[] standalone, int maxStack, long deadline,
            java.util.function.LongSupplier ticker) {
        this.ev = ev;
        this.maxStack = maxStack;
        this.deadline = deadline;
        this.ticker = ticker;
        this.orderTotal = ev.goodsTotal + ev.shippingFee;
        List<CouponRule> rules = ev.rules;
        int c = 0;
        for (long v : standalone) {
            if (v > 0) {
                c++;
            }
        }
        n = c;
        walletIndex = new int[n];
        value = new long[n];
        cls = new int[n];
        terms = new int[n];
        group = new int[n];
        pct = new boolean[n];
        bps = new int[n];
        pctCap = new long[n];
        List<BitSet> groupLines = new java.util.ArrayList<>();
        groupLines.add(new BitSet());
        Map<List<Object>, Integer> termIds = new HashMap<>();
        Map<BitSet, Integer> groupIds = new HashMap<>();
        long[] caps = new long[n + 1];
        int g = 1;
        shippingGroup = 0;
        caps[0] = ev.shippingFee;
        int t = 0;
        for (int i = 0; i < standalone.length; i++) {
            if (standalone[i] <= 0) {
                continue;
            }
            CouponRule r = rules.get(i);
            walletIndex[t] = i;
            value[t] = standalone[i];
            cls[t] = r.stackingClass().ordinal();
            terms[t] = termIds.computeIfAbsent(r.terms(), k -> termIds.size());
            if (r.discountsShipping()) {
                group[t] = shippingGroup;
            } else {
                BitSet lines = new BitSet();
                for (int l : ev.eligibleLines(i)) {
                    lines.set(l);
                }
                Integer known = groupIds.get(lines);
                if (known == null) {
                    known = g++;
                    groupIds.put(lines, known);
                    groupLines.add(lines);
                    caps[known] = ev.eligibleSubtotal(i);
                }
                group[t] = known;
            }
            bps[t] = r.discountBps();
            pctCap[t] = r.maxDiscountCents() == null ? Long.MAX_VALUE : r.maxDiscountCents();
            t++;
        }
        groups = g;
        groupCap = Arrays.copyOf(caps, groups);
        groupLineList = new int[groups][];
        for (int a = 0; a < groups; a++) {
            groupLineList[a] = a == shippingGroup ? new int[0] : groupLines.get(a).stream().toArray();
        }
        lineRetained = new long[ev.lineCount];
        groupLineSet = groupLines.toArray(new BitSet[0]);
        meets = new boolean[groups][groups];
        for (int a = 1; a < groups; a++) {
            for (int b = 1; b < groups; b++) {
                meets[a][b] = groupLines.get(a).intersects(groupLines.get(b));
            }
        }
        inside = new int[groups];
        dpOther = new long[maxStack + 1];
        blocked = new int[n];
        conflicts = new int[n][];
        template = new int[n];
        perTemplate = new int[n];
        floor = new long[n];
        Map<Long, Integer> templateIds = new HashMap<>();
        int[] buf = new int[n];
        for (int a = 0; a < n; a++) {
            CouponRule ra = rules.get(walletIndex[a]);
            int nc = 0;
            for (int b = 0; b < n; b++) {
                if (b != a && !ra.combinesWith(rules.get(walletIndex[b]))) {
                    buf[nc++] = b;
                }
            }
            conflicts[a] = Arrays.copyOf(buf, nc);
            long tid = ra.stacking().templateId();
            // template 0 (no template): each coupon counts alone, so its limit never binds
            template[a] = tid == 0 ? -1 : templateIds.computeIfAbsent(tid, k -> templateIds.size());
            perTemplate[a] = ra.stacking().maxPerOrder();
            floor[a] = ra.stacking().minPayableCents();
        }
        templateCount = new int[Math.max(1, templateIds.size())];
        classes = StackingClass.values().length;
        classLimit = new int[classes];
        limitedClass = new boolean[classes];
        for (StackingClass sc : StackingClass.values()) {
            classLimit[sc.ordinal()] = sc.limit(maxStack);
            limitedClass[sc.ordinal()] = sc.limit(maxStack) < maxStack;
        }
        subset = new boolean[groups][groups];
        for (int a = 1; a < groups; a++) {
            for (int b = 1; b < groups; b++) {
                BitSet rest = (BitSet) groupLines.get(a).clone();
                rest.andNot(groupLines.get(b));
                subset[a][b] = rest.isEmpty();
            }
        }
        int percentClass = -1;
        boolean single = true;
        for (int i = 0; i < n; i++) {
            if (rules.get(walletIndex[i]).type() == CouponType.PERCENT_OFF) {
                single &= classLimit[cls[i]] == 1 && (percentClass < 0 || percentClass == cls[i]);
                percentClass = cls[i];
            }
        }
        singlePercent = single;
        for (int i = 0; i < n; i++) {
            pct[i] = single && rules.get(walletIndex[i]).type() == CouponType.PERCENT_OFF;
        }

        byValue = sortedItems((a, b) -> {
            int cmp = Long.compare(value[b], value[a]);
            if (cmp == 0) {
                cmp = Integer.compare(terms[a], terms[b]);
            }
            return cmp != 0 ? cmp : Long.compare(id(a), id(b));
        });
        byId = sortedItems((a, b) -> Long.compare(id(a), id(b)));
        posValue = positions(byValue);
        posId = positions(byId);

        atomMask = new int[n];
        int[] lineAtom = new int[ev.lineCount];
        List<Long> atomAmount = new java.util.ArrayList<>();
        Map<BitSet, Integer> atomIds = new HashMap<>();
        for (int l = 0; l < ev.lineCount; l++) {
            BitSet covering = new BitSet();
            for (int i = 0; i < n; i++) {
                if (group[i] != shippingGroup && groupLines.get(group[i]).get(l)) {
                    covering.set(i);
                }
            }
            if (covering.isEmpty()) {
                lineAtom[l] = -1;
                continue;
            }
            Integer a = atomIds.get(covering);
            if (a == null) {
                a = atomIds.size();
                atomIds.put(covering, a);
                atomAmount.add(0L);
            }
            lineAtom[l] = a;
            atomAmount.set(a, atomAmount.get(a) + ev.lineAmount(l));
        }
        boolean shipping = false;
        for (int i = 0; i < n; i++) {
            shipping |= group[i] == shippingGroup;
        }
        if (shipping) {
            atomAmount.add(ev.shippingFee);
        }
        int atoms = atomAmount.size();
        if (atoms == 0 || atoms > CUT_ATOMS_MAX) {
            cutSubsets = 0;
            cutCap = new long[0];
            outside = new int[0][];
        } else {
            for (int i = 0; i < n; i++) {
                if (group[i] == shippingGroup) {
                    atomMask[i] = 1 << (atoms - 1);
                } else {
                    BitSet lines = groupLines.get(group[i]);
                    for (int l = lines.nextSetBit(0); l >= 0; l = lines.nextSetBit(l + 1)) {
                        atomMask[i] |= 1 << lineAtom[l];
                    }
                }
            }
            cutSubsets = 1 << atoms;
            cutCap = new long[cutSubsets];
            outside = new int[cutSubsets][];
            int[] buf2 = new int[n];
            for (int set = 0; set < cutSubsets; set++) {
                long cap = 0;
                for (int a = 0; a < atoms; a++) {
                    if ((set & (1 << a)) != 0) {
                        cap = sat(cap, atomAmount.get(a));
                    }
                }
                cutCap[set] = cap;
                int c2 = 0;
                for (int q = 0; q < n; q++) {
                    if ((atomMask[byValue[q]] & ~set) != 0) {
                        buf2[c2++] = byValue[q];
                    }
                }
                outside[set] = Arrays.copyOf(buf2, c2);
            }
        }

        chosen = new int[maxStack];
        chosenWallet = new int[maxStack];
        classCount = new int[classes];
        groupSum = new long[groups];
        gCnt = new int[groups];
        gClassCnt = new int[groups * classes];
        gPrefix = new long[groups * (maxStack + 1)];
        touched = new int[groups];
        dpOut = new long[maxStack + 1];
        dpSub = new long[maxStack + 1];
        candPct = new int[n];
        dpStamp = new int[groups];
        dpOutCache = new long[groups][maxStack + 1];
        dpSubCache = new long[groups][maxStack + 1];
        seen = new int[maxStack + 1][Math.max(1, termIds.size())];
    }

    /** Runs both phases; returns the winning wallet indices (any order). */
    int[] run() {
        bestV = 0;
        bestSize = 0;
        bestSet = new int[0];
        if (n == 0) {
            return bestSet;
        }
        seed();
        phaseOne(0);
        if (exhausted || bestSize == 0) {
            return bestSet;
        }
        phaseTwo(0);
        return bestSet;
    }

    boolean proven() {
        return !exhausted;
    }

    private long id(int item) {
        return ev.rules.get(walletIndex[item]).couponId();
    }

    private interface ItemOrder {
        int compare(int a, int b);
    }

    private int[] sortedItems(ItemOrder order) {
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, order::compare);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = boxed[i];
        }
        return out;
    }

    private static int[] positions(int[] order) {
        int[] pos = new int[order.length];
        for (int p = 0; p < order.length; p++) {
            pos[order[p]] = p;
        }
        return pos;
    }

    // ------------------------------------------------------------------ seed

    /**
     * A good first incumbent, so phase 1 prunes from its first branch: greedy by marginal saving
     * (each round adds the allowed coupon that raises the combination's value most), then swaps of
     * one chosen coupon for one other while a swap raises the value (at most maxStack rounds of
     * swaps, so a large wallet leaves the budget to the search). Only real combinations under
     * the stacking rules are valued, with the evaluator, so the incumbent is exact; phase 1 still
     * proves (or improves) it. Its work counts against the budget like any other.
     */
    private void seed() {
        int[] set = new int[maxStack];
        int k = 0;
        long current = 0;
        while (k < maxStack && !exhausted) {
            int pick = -1;
            long pickValue = current;
            for (int q = 0; q < n && !exhausted; q++) {
                int t = byValue[q];
                if (contains(set, k, t) || value[t] <= pickValue - current) {
                    continue;
                }
                set[k] = t;
                long v = valueOf(set, k + 1, pickValue + 1);
                if (v > pickValue) {
                    pick = t;
                    pickValue = v;
                }
            }
            if (pick < 0) {
                break;
            }
            set[k++] = pick;
            current = pickValue;
        }
        boolean improved = k > 0;
        for (int pass = 0; pass < maxStack && improved && !exhausted; pass++) {
            improved = false;
            for (int i = 0; i < k && !improved && !exhausted; i++) {
                int out = set[i];
                for (int q = 0; q < n && !exhausted; q++) {
                    int t = byValue[q];
                    if (contains(set, k, t)) {
                        continue;
                    }
                    set[i] = t;
                    long v = valueOf(set, k, current + 1);
                    if (v > current) {
                        current = v;
                        improved = true;
                        break;
                    }
                    set[i] = out;
                }
            }
        }
        // set[0..k) is worth exactly current even when the budget ran out meanwhile: keep it
        if (k > 0 && current > 0) {
            for (int i = 0; i < k; i++) {
                push(set[i]);
            }
            recordBest(current);
            for (int i = k - 1; i >= 0; i--) {
                pop(set[i]);
            }
        }
    }

    private static boolean contains(int[] set, int k, int t) {
        for (int i = 0; i < k; i++) {
            if (set[i] == t) {
                return true;
            }
        }
        return false;
    }

    /**
     * The value of items set[0..k) together when it is at least {@code atLeast} (exact then; some
     * smaller value otherwise), or -1 when the stacking rules do not allow them together.
     */
    private long valueOf(int[] set, int k, long atLeast) {
        int pushed = 0;
        long v = -1;
        while (pushed < k && allowed(set[pushed])) {
            push(set[pushed++]);
        }
        if (pushed == k) {
            v = evaluateChosen(atLeast);
        }
        while (pushed > 0) {
            pop(set[--pushed]);
        }
        return v;
    }

    // ------------------------------------------------------------------ phase 1

    private void phaseOne(int start) {
        for (int q = start; q < n && !exhausted; q++) {
            int t = byValue[q];
            if (q > start && terms[t] == terms[byValue[q - 1]]) {
                continue;
            }
            if (!allowed(t)) {
                continue;
            }
            push(t);
            long selfBound = selfBound(size < bestSize ? bestV : bestV + 1);
            if (selfBound > bestV || (selfBound == bestV && size < bestSize)) {
                long v = evaluateChosen(size < bestSize ? bestV : bestV + 1);
                if (v > bestV || (v == bestV && size < bestSize)) {
                    recordBest(v);
                }
            }
            if (size < maxStack && spend(1)) {
                boolean explore = bound(posValue, q, maxStack - size, bestV + 1) > bestV;
                int fewer = bestSize - 1 - size;
                if (!explore && fewer >= 1 && spend(1)) {
                    explore = bound(posValue, q, fewer, bestV) >= bestV;
                }
                if (explore) {
                    phaseOne(q + 1);
                }
            }
            pop(t);
        }
    }

    // ------------------------------------------------------------------ phase 2

    /** Combinations of exactly bestSize items in lexicographic id order; true when one reaches bestV. */
    private boolean phaseTwo(int start) {
        int[] mark = seen[size];
        int myStamp = ++stamp;
        for (int q = start; q < n && !exhausted; q++) {
            int t = byId[q];
            if (!allowed(t)) {
                continue;
            }
            if (mark[terms[t]] == myStamp) {
                continue;
            }
            mark[terms[t]] = myStamp;
            if (n - q < bestSize - size) {
                return false;
            }
            push(t);
            boolean found = false;
            if (size == bestSize) {
                if (selfBound(bestV) >= bestV && evaluateChosen(bestV) == bestV) {
                    recordBest(bestV);
                    found = true;
                }
            } else if (spend(1) && bound(posId, q, bestSize - size, bestV) >= bestV) {
                found = phaseTwo(q + 1);
            }
            pop(t);
            if (found) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ state

    private boolean spend(long work) {
        nodes += work;
        tick();
        return !exhausted;
    }

    /** Reads the ticker every 256 units of work: the budget is time, the check is cheap. */
    private void tick() {
        if (++sinceTick >= 256) {
            sinceTick = 0;
            if (ticker.getAsLong() - deadline > 0) {
                exhausted = true;
            }
        }
    }

    /**
     * Whether item t may join the chosen items: class, template and combination rules. A template's
     * limit is the strictest of its chosen coupons and t (stacking is versioned: coupons of one
     * template granted before and after an edit may carry different limits), as calculate checks it.
     */
    private boolean allowed(int t) {
        if (classCount[cls[t]] >= classLimit[cls[t]] || blocked[t] != 0) {
            return false;
        }
        int tp = template[t];
        if (tp < 0 || templateCount[tp] == 0) {
            return true;
        }
        int count = templateCount[tp];
        if (count >= perTemplate[t]) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (template[chosen[i]] == tp && count >= perTemplate[chosen[i]]) {
                return false;
            }
        }
        return true;
    }

    /** The most the chosen items (and any extension) can save given their floors. */
    private long headroom() {
        long f = 0;
        for (int i = 0; i < size; i++) {
            f = Math.max(f, floor[chosen[i]]);
        }
        return Math.max(0, orderTotal - f);
    }

    private void push(int t) {
        stateVersion++;
        chosen[size] = t;
        chosenWallet[size] = walletIndex[t];
        size++;
        classCount[cls[t]]++;
        for (int u : conflicts[t]) {
            blocked[u]++;
        }
        if (template[t] >= 0) {
            templateCount[template[t]]++;
        }
        if (pct[t]) {
            chosenPct = t;
            return;
        }
        int g = group[t];
        long before = Math.min(groupCap[g], groupSum[g]);
        groupSum[g] = sat(groupSum[g], value[t]);
        long delta = Math.min(groupCap[g], groupSum[g]) - before;
        if (g == shippingGroup) {
            shipBase += delta;
        } else {
            goodsBase = sat(goodsBase, delta);
        }
    }

    private void pop(int t) {
        stateVersion++;
        size--;
        classCount[cls[t]]--;
        for (int u : conflicts[t]) {
            blocked[u]--;
        }
        if (template[t] >= 0) {
            templateCount[template[t]]--;
        }
        if (pct[t]) {
            chosenPct = -1;
            return;
        }
        int g = group[t];
        long before = Math.min(groupCap[g], groupSum[g]);
        groupSum[g] -= value[t];
        long delta = before - Math.min(groupCap[g], groupSum[g]);
        if (g == shippingGroup) {
            shipBase -= delta;
        } else {
            goodsBase -= delta;
        }
    }

    /** The chosen set's value when it is at least {@code atLeast}; some smaller value otherwise. */
    private long evaluateChosen(long atLeast) {
        nodes++;
        tick();
        return ev.evaluate(chosenWallet, size, null, null, atLeast);
    }

    private void recordBest(long v) {
        bestV = v;
        bestSize = size;
        bestSet = new int[size];
        for (int i = 0; i < size; i++) {
            bestSet[i] = chosenWallet[i];
        }
    }

    /**
     * Upper bound of the chosen set itself: {@link #cappedBase}, then the min-cut bound when that
     * is not already below {@code need} (a result below {@code need} may be any such value).
     */
    private long selfBound(long need) {
        long b = cappedBase();
        if (cutSubsets > 0 && b >= need) {
            b = Math.min(b, cutBound(posValue, n, 0, b, need));
        }
        return b;
    }

    /** Upper bound of the chosen set itself (group caps and the percentage's base). */
    private long cappedBase() {
        if (chosenPct < 0) {
            return Math.min(headroom(), Math.min(ev.goodsTotal, goodsBase) + shipBase);
        }
        Arrays.fill(dpOut, 0, 1, 0);
        Arrays.fill(dpSub, 0, 1, 0);
        return Math.min(headroom(), combine(chosenPct, 0, dpOut, dpSub, 0, 0));
    }

    /**
     * Upper bound on the discount of (chosen + up to r more items placed after position p in the
     * given order). Per group: the best items allowed (class limits hold inside a group; across
     * groups they are relaxed, which only loosens the bound), gain capped by what the group has
     * left; then a knapsack of the r slots over the groups, goods capped by the goods total. A
     * PERCENT_OFF coupon (when at most one fits an order) is bounded by {@link #combine}: it works
     * on what the amount-off coupons leave of its lines. Then the min-cut bound ({@link #cutBound}),
     * only when the first bound is not already below {@code need}, the least value that would keep
     * the branch: a result below {@code need} may be any such value, not the least bound.
     */
    private long bound(int[] pos, int p, int r, long need) {
        int nt = 0;
        int np = 0;
        int stride = maxStack + 1;
        int lastPctTerms = -1;
        for (int q = 0; q < n; q++) {
            int t = byValue[q];
            if (pos[t] <= p) {
                continue;
            }
            int c = cls[t];
            if (!allowed(t)) {
                continue;
            }
            if (pct[t]) {
                if (r >= 1 && terms[t] != lastPctTerms) {
                    candPct[np++] = t;
                    lastPctTerms = terms[t];
                }
                continue;
            }
            int g = group[t];
            int k = gCnt[g];
            if (k >= r) {
                continue;
            }
            if (limitedClass[c]) {
                int gc = g * classes + c;
                if (gClassCnt[gc] >= classLimit[c] - classCount[c]) {
                    continue;
                }
                gClassCnt[gc]++;
            }
            if (k == 0) {
                touched[nt++] = g;
            }
            gPrefix[g * stride + k + 1] = sat(gPrefix[g * stride + k], value[t]);
            gCnt[g] = k + 1;
        }
        boundStamp++;
        long best;
        if (chosenPct >= 0) {
            best = withPercent(chosenPct, r, nt);
            if (r <= FACTOR_SLOTS && Math.min(headroom(), best) >= need) {
                best = Math.min(best, factorBound(chosenPct, r, nt));
            }
        } else {
            best = withPercent(-1, r, nt);
            for (int i = 0; i < np; i++) {
                long b = withPercent(candPct[i], r - 1, nt);
                if (b > best && r - 1 <= FACTOR_SLOTS && Math.min(headroom(), b) >= need) {
                    b = Math.min(b, factorBound(candPct[i], r - 1, nt));
                }
                best = Math.max(best, b);
            }
        }
        for (int i = 0; i < nt; i++) {
            int g = touched[i];
            gCnt[g] = 0;
            for (int c = 0; c < classes; c++) {
                gClassCnt[g * classes + c] = 0;
            }
        }
        if (cutSubsets > 0 && Math.min(headroom(), best) >= need) {
            best = Math.min(best, cutBound(pos, p, r, best, need));
        }
        return Math.min(headroom(), best);
    }

    /** Bound with percent item q (or none, q < 0) and r slots for the other items. */
    private long withPercent(int q, int r, int nt) {
        int pg = q < 0 ? 0 : group[q];
        long[] out = dpOutCache[pg];
        long[] sub = dpSubCache[pg];
        if (dpStamp[pg] != boundStamp) {
            dpStamp[pg] = boundStamp;
            knapsack(pg, nt, out, sub);
        }
        return combine(q, r, out, sub, maxStack, maxStack);
    }

    /**
     * dpOut[s] / dpSub[s]: most the goods groups outside / inside the lines of group pg (0 = no
     * percent: all outside) can add with s more items.
     */
    private void knapsack(int pg, int nt, long[] out, long[] sub) {
        int stride = maxStack + 1;
        Arrays.fill(out, 0);
        Arrays.fill(sub, 0);
        for (int i = 0; i < nt; i++) {
            int g = touched[i];
            if (g == shippingGroup) {
                continue;
            }
            long[] dp = pg != 0 && subset[g][pg] ? sub : out;
            long left = Math.max(0, groupCap[g] - groupSum[g]);
            int cnt = gCnt[g];
            for (int s = maxStack; s >= 1; s--) {
                long bestS = dp[s];
                for (int u = 1; u <= Math.min(s, cnt); u++) {
                    long cand = sat(dp[s - u], Math.min(left, gPrefix[g * stride + u]));
                    if (cand > bestS) {
                        bestS = cand;
                    }
                }
                dp[s] = bestS;
            }
        }
    }

    /**
     * Best total over ways to split r slots between goods (outside / inside percent item q's lines)
     * and shipping. Inside q's lines the amount-off discount x and the percentage together give at
     * most h(x) = x + min(cap, pct(E - x)): the amount-off coupons grouped inside those lines spend
     * all of x there, leaving at most E - x for the percentage. h never decreases (pct rises by at
     * most 1 cent per cent since the rate is at most 100%), so evaluating it at an upper bound of x
     * is an upper bound. The other goods coupons (outside, or partly outside, q's lines) can save at
     * most the amount of the lines outside q's lines there; what they save beyond it lands inside and
     * shrinks the base of the percentage too. The total x + y + pct(E - min(E, x + max(0, y - N)))
     * (y their saving, N the amount outside) rises with x and y (slope at least 1 - rate), so upper
     * bounds of both give an upper bound. The base is also at most what the chosen full-cuts'
     * proportional spread leaves of q's lines ({@link #retained}), which takes a share of every
     * full-cut on lines q shares with others.
     */
    private long combine(int q, int r, long[] out, long[] sub, int outMax, int subMax) {
        int stride = maxStack + 1;
        int pg = q < 0 ? 0 : group[q];
        long baseOut = 0;
        long baseSub = 0;
        for (int g = 1; g < groups; g++) {
            if (groupSum[g] == 0 || g == shippingGroup) {
                continue;
            }
            long v = Math.min(groupCap[g], groupSum[g]);
            if (pg != 0 && subset[g][pg]) {
                baseSub = sat(baseSub, v);
            } else {
                baseOut = sat(baseOut, v);
            }
        }
        long kept = q < 0 ? 0 : retained(pg);
        int shipCount = gCnt[shippingGroup];
        long shipLeft = Math.max(0, groupCap[shippingGroup] - groupSum[shippingGroup]);
        long best = 0;
        for (int tg = 0; tg <= r; tg++) {
            int shipSlots = Math.min(r - tg, shipCount);
            long ship = sat(shipBase,
                    shipSlots == 0 ? 0 : Math.min(shipLeft, gPrefix[shippingGroup * stride + shipSlots]));
            for (int to = 0; to <= Math.min(tg, outMax); to++) {
                int ts = Math.min(tg - to, subMax);
                long goods = sat(baseOut, out[to]);
                if (q >= 0) {
                    long e = groupCap[pg];
                    long x = Math.min(e, sat(baseSub, sub[ts]));
                    // what the other goods coupons save beyond the lines outside q's lines lands inside them
                    long spill = Math.max(0, goods - (ev.goodsTotal - e));
                    long inside = Math.min(e, sat(x, spill));
                    long p = Math.min(pctCap[q], Evaluator.percentHalfUp(Math.min(e - inside, kept), bps[q]));
                    goods = sat(goods, x + p);
                } else {
                    goods = sat(goods, sub[ts]);
                }
                long total = sat(Math.min(ev.goodsTotal, goods), ship);
                if (total > best) {
                    best = total;
                }
            }
        }
        return best;
    }

    /**
     * An upper bound of what the full-cuts leave of the lines of goods group pg, from the
     * proportional spread (docs/discounts.md has the argument): a full-cut f takes the same fraction
     * a_f of what remains of each of its lines (within a cent per line: each line's share is at least
     * the floor of its exact share), so a line ends at most at its amount times the product of
     * (1 - a_f) over the full-cuts covering it, plus a cent per such full-cut. The full-cuts of one
     * group g (one set of lines, amount A_g) together save T_g <= A_g (1 - product of their (1 - a_f)),
     * so their product is at most 1 - T_g / A_g. Taken over the groups holding chosen coupons only,
     * with T_g at the chosen coupons' capped stand-alone sum: a group's real saving may differ, but
     * the percentage's bound x + pct(min(..., this)) rises with every group's saving (a group's saving
     * removes at most as much from this as it adds), so upper bounds of the savings keep it an upper
     * bound, and a factor left out (groups of candidates only) is at most 1. Rounded up at each step.
     */
    private long retained(int pg) {
        if (retainedVersion != stateVersion) {
            retainedVersion = stateVersion;
            for (int l = 0; l < lineRetained.length; l++) {
                lineRetained[l] = ev.lineAmount(l);
            }
            for (int g = 1; g < groups; g++) {
                if (g == shippingGroup || groupSum[g] == 0 || groupCap[g] == 0) {
                    continue;
                }
                long den = groupCap[g];
                long num = den - Math.min(den, groupSum[g]);
                for (int l : groupLineList[g]) {
                    long v = lineRetained[l];
                    if (Math.multiplyHigh(v, num) == 0 && v * num >= 0) {
                        lineRetained[l] = Math.floorDiv(v * num + den - 1, den);
                    }
                    // on overflow the factor (at most 1) is left out: still an upper bound
                }
            }
        }
        long sum = 0;
        for (int l : groupLineList[pg]) {
            sum = sat(sum, sat(lineRetained[l], maxStack));
        }
        return sum;
    }

    /** Slots up to which {@link #factorBound} enumerates where the extra full-cuts go. */
    private static final int FACTOR_SLOTS = 2;

    /**
     * Percent item q with r more slots, when r is at most {@link #FACTOR_SLOTS}: as {@link #combine}
     * but the extra full-cuts on groups that share lines with q are enumerated (which groups, how
     * many items each), so that their proportional spread shrinks q's base as the chosen ones' does
     * in {@link #retained}: adding v to a group g that already saves U multiplies what its lines keep
     * by (A_g - U - v) / (A_g - U), the rest of 1 - (U + v) / A_g. Groups without lines of q and
     * shipping fill the other slots at their best (a knapsack). The total rises with each group's
     * saving, so the groups' best items (upper bounds) keep it an upper bound.
     */
    private long factorBound(int q, int r, int nt) {
        int pg = group[q];
        retained(pg);
        int stride = maxStack + 1;
        // groups with lines of q (they shrink its base) and the knapsack of the others
        int ni = 0;
        Arrays.fill(dpOther, 0, r + 1, 0);
        for (int i = 0; i < nt; i++) {
            int g = touched[i];
            if (g == shippingGroup) {
                continue;
            }
            long left = Math.max(0, groupCap[g] - groupSum[g]);
            if (meets[g][pg]) {
                inside[ni++] = g;
                continue;
            }
            int cnt = gCnt[g];
            for (int s2 = r; s2 >= 1; s2--) {
                long bestS = dpOther[s2];
                for (int u = 1; u <= Math.min(s2, cnt); u++) {
                    bestS = Math.max(bestS, sat(dpOther[s2 - u], Math.min(left, gPrefix[g * stride + u])));
                }
                dpOther[s2] = bestS;
            }
        }
        int shipCount = gCnt[shippingGroup];
        long shipLeft = Math.max(0, groupCap[shippingGroup] - groupSum[shippingGroup]);
        long best = factorTotal(q, r, 0, -1, 0, -1, shipCount, shipLeft);
        for (int a = 0; a < ni; a++) {
            int g = inside[a];
            for (int ka = 1; ka <= Math.min(r, gCnt[g]); ka++) {
                best = Math.max(best, factorTotal(q, r, ka, g, 0, -1, shipCount, shipLeft));
                for (int b = a + 1; b < ni && ka < r; b++) {
                    int h = inside[b];
                    for (int kb = 1; kb <= Math.min(r - ka, gCnt[h]); kb++) {
                        best = Math.max(best, factorTotal(q, r, ka, g, kb, h, shipCount, shipLeft));
                    }
                }
            }
        }
        return best;
    }

    /**
     * One configuration of {@link #factorBound}: ka items of group ga and kb of group gb (groups
     * sharing lines with q; -1 for none), the other slots at their best.
     */
    private long factorTotal(int q, int r, int ka, int ga, int kb, int gb, int shipCount, long shipLeft) {
        int stride = maxStack + 1;
        int pg = group[q];
        long added = 0;
        long va = 0;
        long vb = 0;
        if (ga >= 0) {
            va = Math.min(Math.max(0, groupCap[ga] - groupSum[ga]), gPrefix[ga * stride + ka]);
            added = sat(added, va);
        }
        if (gb >= 0) {
            vb = Math.min(Math.max(0, groupCap[gb] - groupSum[gb]), gPrefix[gb * stride + kb]);
            added = sat(added, vb);
        }
        long kept = 0;
        for (int l : groupLineList[pg]) {
            long v = lineRetained[l];
            v = shrink(v, ga, va, l);
            v = shrink(v, gb, vb, l);
            kept = sat(kept, sat(v, maxStack));
        }
        long p = Math.min(pctCap[q], Evaluator.percentHalfUp(Math.min(groupCap[pg], kept), bps[q]));
        int free = r - ka - kb;
        long best = 0;
        for (int so = 0; so <= free; so++) {
            int ss = Math.min(free - so, shipCount);
            long ship = sat(shipBase, ss == 0 ? 0 : Math.min(shipLeft, gPrefix[shippingGroup * stride + ss]));
            long goods = sat(sat(Math.min(ev.goodsTotal, goodsBase), added), sat(dpOther[so], p));
            best = Math.max(best, sat(Math.min(ev.goodsTotal, goods), ship));
        }
        return best;
    }

    /** What line l keeps after group g (-1: none) adds v to its saving: times (A - U - v) / (A - U), rounded up. */
    private long shrink(long kept, int g, long v, int l) {
        if (g < 0 || v == 0 || !groupHasLine(g, l)) {
            return kept;
        }
        long den = Math.max(0, groupCap[g] - Math.min(groupCap[g], groupSum[g]));
        if (den == 0) {
            return kept;
        }
        long num = den - Math.min(den, v);
        if (Math.multiplyHigh(kept, num) != 0 || kept * num < 0) {
            return kept;
        }
        return Math.floorDiv(kept * num + den - 1, den);
    }

    private boolean groupHasLine(int g, int l) {
        return groupLineSet[g].get(l);
    }

    /**
     * The min-cut bound: coupons' discounts form a flow from the coupons (each at most its
     * stand-alone value) to the atoms of lines they cover (each at most its amount; the shipping fee
     * is one more atom), so for every atom subset S the total is at most S's amount plus the values
     * of the coupons not inside S. Over extensions by r items after position p: the chosen coupons
     * not inside S plus the r best allowed candidates not inside S (at most one PERCENT_OFF when
     * only one fits). The minimum over S; {@code known} is a bound already held (returned when no
     * S does better). Stops at the first S below {@code need} (the subset that cut last is tried
     * first).
     */
    private long cutBound(int[] pos, int p, int r, long known, long need) {
        long best = known;
        for (int k = 0; k < cutSubsets; k++) {
            int set = k == 0 ? lastCut : k == lastCut ? 0 : k;
            long v = cutCap[set];
            for (int i = 0; i < size && v < best; i++) {
                if ((atomMask[chosen[i]] & ~set) != 0) {
                    v = sat(v, value[chosen[i]]);
                }
            }
            boolean pctUsed = chosenPct >= 0;
            int taken = 0;
            int[] items = outside[set];
            for (int i = 0; i < items.length && taken < r && v < best; i++) {
                int t = items[i];
                if (pos[t] <= p || !allowed(t) || (pct[t] && pctUsed)) {
                    continue;
                }
                pctUsed |= pct[t];
                v = sat(v, value[t]);
                taken++;
            }
            if (v < best) {
                best = v;
                if (best < need) {
                    lastCut = set;
                    return best;
                }
            }
        }
        return best;
    }

    /** Saturating addition of non-negative amounts. */
    private static long sat(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }
}
