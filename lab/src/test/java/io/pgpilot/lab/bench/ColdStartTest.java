package io.pgpilot.lab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's arithmetic and its reading of a class-load log; no timing is asserted on. */
class ColdStartTest {

  @Test
  void givenAnEvenNumberOfRuns_thenTheMedianIsTheMeanOfTheMiddleTwo() {
    ColdStart.Stats stats = new ColdStart.Stats(List.of(40.0, 10.0, 30.0, 20.0));
    assertEquals("25", stats.median());
    assertEquals("(10-40)", stats.range());
  }

  @Test
  void givenNoMeasuredRun_thenTheFiguresAreBlank() {
    ColdStart.Stats stats = new ColdStart.Stats(List.of());
    assertEquals("-", stats.median());
    assertEquals("", stats.range());
  }

  @Test
  void givenAClassLoadLog_thenClassesAreCountedBySourceUpToTheFirstEvent(@TempDir Path dir) throws Exception {
    Path artifact = dir.resolve("pgpilot-functions-lambda.jar");
    Path log = dir.resolve("classes.log");
    String artifactSource = " source: file:" + artifact;
    Files.write(log, List.of(
        "[0.010s][info][class,load] java.lang.Object source: shared objects file",
        "[0.020s][info][class,load] java.util.HexFormat source: jrt:/java.base",
        "[0.030s][info][class,load] io.pgpilot.lab.bench.ColdStartChild source: file:/tmp/harness/",
        "[0.040s][info][class,load] io.pgpilot.handlers.AlarmHandler" + artifactSource,
        "[0.050s][info][class,load] io.pgpilot.lab.bench.ColdStartChild$Constructed source: file:/tmp/harness/",
        "[0.060s][info][class,load] java.lang.invoke.LambdaForm$MH/0x0000000800c01000 source: __JVM_LookupDefineClass__",
        "[0.070s][info][class,load] io.pgpilot.runner.Outcome" + artifactSource,
        "[0.080s][info][class,load] io.pgpilot.lab.bench.ColdStartChild$Done source: file:/tmp/harness/",
        "[0.090s][info][class,load] java.lang.Shutdown source: shared objects file"));
    ColdStart.ClassCount count = ColdStart.ClassCount.of(log, artifact);
    assertEquals(new ColdStart.ClassCount(6, 2, 2, 1, 1, 4), count);
  }
}
