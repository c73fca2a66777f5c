package io.shardflow.standalone;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: services → messaging → db (storage) → core, and services never call each other;
 * storage knows nothing of the broker.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.shardflow");

    @Test
    void coreKnowsNoFrameworkAndNoService() {
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework..",
                        "org.apache.kafka..",
                        "ai.djl..",
                        "io.shardflow.db..",
                        "io.shardflow.api..",
                        "io.shardflow.scheduler..",
                        "io.shardflow.worker..")
                .check(CLASSES);
    }

    @Test
    void dbKnowsNoService() {
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.db..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shardflow.api..", "io.shardflow.scheduler..", "io.shardflow.worker..")
                .check(CLASSES);
    }

    @Test
    void storageKnowsNoBroker() {
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.db..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.kafka..", "org.springframework.kafka..", "io.shardflow.messaging..")
                .check(CLASSES);
    }

    @Test
    void messagingKnowsNoService() {
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.messaging..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shardflow.api..", "io.shardflow.scheduler..", "io.shardflow.worker..")
                .check(CLASSES);
    }

    @Test
    void servicesTalkOnlyThroughKafkaAndPostgres() {
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.api..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shardflow.scheduler..", "io.shardflow.worker..")
                .check(CLASSES);
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.scheduler..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shardflow.api..", "io.shardflow.worker..")
                .check(CLASSES);
        noClasses()
                .that()
                .resideInAPackage("io.shardflow.worker..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.shardflow.api..", "io.shardflow.scheduler..")
                .check(CLASSES);
    }

    @Test
    void onlyTheWorkerComputes() {
        noClasses()
                .that()
                .resideOutsideOfPackages("io.shardflow.worker..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("ai.djl..")
                .check(CLASSES);
    }
}
