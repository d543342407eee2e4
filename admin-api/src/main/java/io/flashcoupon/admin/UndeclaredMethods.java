package io.flashcoupon.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which methods a path answers to, from the routes the API declares ("METHOD /path" with {param}
 * segments, as {@link AdminApi#routes()} records them): a request whose path is declared but whose
 * method is not is refused 405 with an {@code Allow} header listing the declared methods (HEAD with
 * GET, OPTIONS always); a path nothing declares stays a 404. Pure logic, no framework type: the
 * Javalin wiring is one before-handler in {@link AdminApi}, so it ports to any router.
 */
final class UndeclaredMethods {
    private record Route(Pattern path, String method) {}

    private final List<Route> routes;

    private UndeclaredMethods(List<Route> routes) {
        this.routes = routes;
    }

    /** From "METHOD /path/{param}" strings. */
    static UndeclaredMethods of(Collection<String> declared) {
        List<Route> routes = new ArrayList<>();
        for (String route : declared) {
            int space = route.indexOf(' ');
            routes.add(new Route(template(route.substring(space + 1)), route.substring(0, space)));
        }
        return new UndeclaredMethods(List.copyOf(routes));
    }

    private static Pattern template(String path) {
        StringBuilder regex = new StringBuilder();
        for (String part : path.split("(?=\\{)|(?<=\\})")) {
            regex.append(part.startsWith("{") ? "[^/]+" : Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    /**
     * The value of the Allow header when {@code method} is not declared on {@code path} although
     * other methods are; null when the method is declared (or implied: HEAD by GET, OPTIONS) or the
     * path is not declared at all.
     */
    String refusal(String method, String path) {
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            if (r.path().matcher(path).matches()) {
                allowed.add(r.method());
            }
        }
        if (allowed.isEmpty()) {
            return null;
        }
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        allowed.add("OPTIONS");
        String m = method.toUpperCase(Locale.ROOT);
        return allowed.contains(m) ? null : String.join(", ", allowed);
    }

    /** A request refused with 405; {@link #allow()} is the Allow header's value. */
    static final class MethodNotAllowedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String allow;

        MethodNotAllowedException(String method, String path, String allow) {
            super(method + " is not a method of " + path + "; it allows " + allow, null, false, false);
            this.allow = allow;
        }

        String allow() {
            return allow;
        }
    }
}
