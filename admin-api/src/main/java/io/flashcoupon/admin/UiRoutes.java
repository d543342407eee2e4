package io.flashcoupon.admin;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The pages of the admin API, all from the class path (no CDN: operators' networks and the browser
 * test have no internet): GET /dashboard (the live sale dashboard; its script and style under
 * /ui/), GET /openapi.json (the hand-written description of every route, kept in step by
 * OpenApiSpecTest) and GET /docs (Swagger UI from the org.webjars:swagger-ui jar, under /webjars/).
 * None of them holds data; the dashboard and the docs call the API with the operator's token.
 */
final class UiRoutes {
    static final String ASSETS = "/admin-ui";
    static final String SPEC = "/openapi/openapi.json";
    private static final String SWAGGER_POM = "/META-INF/maven/org.webjars/swagger-ui/pom.properties";

    private final String dashboard;
    private final String docs;
    private final byte[] spec;

    UiRoutes() {
        this.dashboard = text(ASSETS + "/dashboard.html");
        this.docs = text(ASSETS + "/docs.html").replace("{{SWAGGER}}", "/webjars/swagger-ui/" + swaggerVersion());
        this.spec = text(SPEC).getBytes(StandardCharsets.UTF_8);
    }

    void register(RoutesConfig routes) {
        routes.get("/dashboard", this::dashboard);
        routes.get("/docs", this::docs);
        routes.get("/openapi.json", this::spec);
    }

    void dashboard(Context ctx) {
        ctx.html(dashboard);
    }

    void docs(Context ctx) {
        ctx.html(docs);
    }

    void spec(Context ctx) {
        ctx.contentType("application/json").result(spec);
    }

    static String text(String resource) {
        try (InputStream in = UiRoutes.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String swaggerVersion() {
        Properties p = new Properties();
        try (InputStream in = UiRoutes.class.getResourceAsStream(SWAGGER_POM)) {
            if (in == null) {
                throw new IllegalStateException("org.webjars:swagger-ui missing from the class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }
}
