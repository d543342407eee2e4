package io.flashcoupon.admin;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import javax.sql.DataSource;

/**
 * DataSources for unit tests of code that takes one, without a database server and without I/O.
 * {@link #empty()} stands for a database holding no row: every query finds nothing and every
 * update changes nothing, so a repository answers "no such id" or an empty page exactly as over an
 * empty schema. {@link #unreachable()} fails every connection, as a database that is down does.
 * Known gap: nothing can be stored or read back; routes that need rows are AdminApiIT's.
 */
final class EmptyDatabase {
    /** The JDBC objects an empty database hands out; every other method answers its type's default. */
    private static final Set<Class<?>> HANDED_OUT = Set.of(Connection.class, Statement.class,
            PreparedStatement.class, ResultSet.class);

    private static final String UNREACHABLE =
            "connection to jdbc:mysql://db-primary.internal:3306/coupon refused (user coupon)";

    private EmptyDatabase() {}

    static DataSource empty() {
        return proxy(DataSource.class, EmptyDatabase::nothing);
    }

    static DataSource unreachable() {
        return proxy(DataSource.class, (self, method, args) -> {
            if (method.getName().equals("getConnection")) {
                throw new SQLException(UNREACHABLE, "08001");
            }
            return nothing(self, method, args);
        });
    }

    private static Object nothing(Object self, Method method, Object[] args) {
        Class<?> type = method.getReturnType();
        switch (method.getName()) {
            case "equals":
                return self == args[0];
            case "hashCode":
                return System.identityHashCode(self);
            case "toString":
                return "empty " + method.getDeclaringClass().getSimpleName();
            default:
                break;
        }
        if (HANDED_OUT.contains(type)) {
            return proxy(type, EmptyDatabase::nothing);
        }
        if (type.isPrimitive() && type != void.class) {
            return Array.get(Array.newInstance(type, 1), 0); // false, 0: next() finds no row, updates change none
        }
        return null;
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return type.cast(Proxy.newProxyInstance(EmptyDatabase.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
