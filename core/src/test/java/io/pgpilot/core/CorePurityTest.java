package io.pgpilot.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * What the module boundary cannot forbid: the core has no dependency, so no SDK, driver or upper
 * layer is on its classpath at all, but the JDK's I/O and clocks are. Checked on the compiled
 * classes, so no way of writing a call escapes it.
 */
class CorePurityTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.pgpilot.core");

    @Test
    void givenTheCoreClasses_whenChecked_thenNoneDoesIo() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("java.io..", "java.nio..", "java.net..", "java.sql..", "javax.sql..")
                .because("decisions are pure: what they need is passed in")
                .check(CORE);
    }

    @Test
    void givenTheCoreClasses_whenChecked_thenNoneReadsTheClock() {
        noClasses().should().callMethodWhere(DescribedPredicate.describe("now() of java.time",
                        call -> call.getTarget().getName().equals("now")
                                && call.getTargetOwner().getPackageName().equals("java.time")))
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Clock.class, "systemUTC")
                .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
                .because("time is passed in, so any state can be replayed in a test")
                .check(CORE);
    }
}
