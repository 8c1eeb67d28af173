package io.pgpilot.lab.drill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The drill's chart: a PNG of the rates with the fault and the automation's phases, drawn headless. */
class ChartTest {

  /** 5 s before the fault, 10 s after; commits stop for 2.4 s from the fault. */
  private static final Chart.Series RUN_1 = run("run 1: RTO 2.4 s, 0 lost", 5_000, 10_000, 2_400, 1.0, 1);
  /** The fault 4 s in, 9 s after; a shorter outage. */
  private static final Chart.Series RUN_2 = run("run 2: RTO 1.9 s, 0 lost", 4_000, 9_000, 1_900, 0.8, 2);

  @Test
  void givenTwoRuns_thenAPngOfOnePanelEachWithTheFaultAtZeroAndTheOutageAsAGap() throws IOException {
    byte[] png = Chart.render("drill: primary crash", List.of(RUN_1, RUN_2));

    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(image, "the bytes decode as an image");
    assertEquals(Chart.WIDTH, image.getWidth());
    assertEquals(Chart.TITLE_HEIGHT + 2 * Chart.PANEL_HEIGHT + Chart.FOOTER_HEIGHT, image.getHeight());

    Chart.Layout layout = Chart.layout(List.of(RUN_1, RUN_2));
    assertEquals(-5.0, layout.fromS, "the axis starts at the earliest run start, relative to its fault");
    assertEquals(10.0, layout.toS);
    for (int panel = 0; panel < 2; panel++) {
      int x0 = (int) layout.x(0);
      int middle = (layout.plotTop(panel) + layout.plotBottom(panel)) / 2;
      assertTrue(isFault(image.getRGB(x0, middle)), "panel " + panel + ": the fault's red line at t = 0");
      assertFalse(isFault(image.getRGB((int) layout.x(-2), middle)), "panel " + panel + ": and not elsewhere");
    }
    // Run 1: commits before the fault and after the outage (0 to 2.4 s), none during it.
    assertTrue(commitsDrawnAt(image, layout, 0, -2.5));
    assertTrue(commitsDrawnAt(image, layout, 0, 6.0));
    assertFalse(commitsDrawnAt(image, layout, 0, 1.2), "the outage is a gap down to zero");
    assertFalse(commitsDrawnAt(image, layout, 0, 2.2));
    // Run 2's outage is 1.9 s; it has no data before -4 s (its start).
    assertTrue(commitsDrawnAt(image, layout, 1, 2.5));
    assertFalse(commitsDrawnAt(image, layout, 1, 1.0));
    assertFalse(commitsDrawnAt(image, layout, 1, -4.5));
  }

  @Test
  void givenTheSameRuns_thenTheSameBytes() {
    assertArrayEquals(Chart.render("drill", List.of(RUN_1, RUN_2)), Chart.render("drill", List.of(RUN_1, RUN_2)));
  }

  @Test
  void givenARunWithoutCommitsOrMarks_orNoRuns_thenItStillRenders() throws IOException {
    Chart.Series empty = new Chart.Series("run 3: nothing recorded", 10_000, 5_000, List.of(), List.of(), List.of());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(Chart.render("drill", List.of(empty))));
    assertEquals(Chart.TITLE_HEIGHT + Chart.PANEL_HEIGHT + Chart.FOOTER_HEIGHT, image.getHeight());
    Chart.Series zero = new Chart.Series("run 4: no time", 0, 0, List.of(0L), List.of(), List.of(
        new Chart.Mark("detection", 0, 0)));
    assertNotNull(ImageIO.read(new ByteArrayInputStream(Chart.render("drill", List.of(zero)))));
    image = ImageIO.read(new ByteArrayInputStream(Chart.render("drill", List.of())));
    assertEquals(Chart.TITLE_HEIGHT + Chart.NO_RUNS_HEIGHT + Chart.FOOTER_HEIGHT, image.getHeight());
  }

  @Test
  void givenMoreThanTwelveRuns_thenTwelvePanels() throws IOException {
    List<Chart.Series> runs = Collections.nCopies(13, RUN_2);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(Chart.render("drill", runs)));
    assertEquals(Chart.TITLE_HEIGHT + 12 * Chart.PANEL_HEIGHT + Chart.FOOTER_HEIGHT, image.getHeight());
  }

  @Test
  void givenBadInput_thenIllegalArgumentSayingWhat() {
    assertMessage("title is null", () -> Chart.render(null, List.of(RUN_1)));
    assertMessage("runs are null", () -> Chart.render("drill", null));
    assertMessage("runs[1] is null", () -> Chart.render("drill", Arrays.asList(RUN_1, null)));
    assertMessage("path is null", () -> Chart.write("drill", List.of(RUN_1), null));
    assertMessage("durationMs is negative (-1)", () -> new Chart.Series("r", -1, 0, List.of(), List.of(), List.of()));
    assertMessage("faultAtMs (11) is not within the run [0, 10]",
        () -> new Chart.Series("r", 10, 11, List.of(), List.of(), List.of()));
    assertMessage("label is null", () -> new Chart.Series(null, 10, 0, List.of(), List.of(), List.of()));
    assertMessage("commitsAtMs is null", () -> new Chart.Series("r", 10, 0, null, List.of(), List.of()));
    assertMessage("readsAtMs[1] is null",
        () -> new Chart.Series("r", 10, 0, List.of(), Arrays.asList(1L, null), List.of()));
    assertMessage("marks is null", () -> new Chart.Series("r", 10, 0, List.of(), List.of(), null));
    assertMessage("mark 'fence' ends (5 ms) before it starts (10 ms)", () -> new Chart.Mark("fence", 10, 5));
    assertMessage("name is null", () -> new Chart.Mark(null, 0, 0));
  }

  @Test
  void givenFontsThatDoNotWork_thenTheChartIsDrawnWithoutTextAndSaysSo() throws IOException {
    PrintStream err = System.err;
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    byte[] png;
    System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
    try {
      png = Chart.render("drill", List.of(RUN_1), new Error("Probable fatal error: No physical fonts found."));
    } finally {
      System.setErr(err);
    }
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(Chart.TITLE_HEIGHT + Chart.PANEL_HEIGHT + Chart.FOOTER_HEIGHT, image.getHeight());
    Chart.Layout layout = Chart.layout(List.of(RUN_1));
    assertTrue(isFault(image.getRGB((int) layout.x(0), (layout.plotTop(0) + layout.plotBottom(0)) / 2)));
    assertTrue(commitsDrawnAt(image, layout, 0, -2.5));
    assertTrue(said.toString(StandardCharsets.UTF_8).contains("drawn without text"), said.toString());
  }

  @Test
  void binsAreAlignedOnTheFaultAndScaledToPerSecond() {
    // A fault at 230 ms: bins [30, 130), [130, 230), [230, 330)...; [0, 30) is less than half a bin.
    List<Chart.Bin> bins = Chart.bins(List.of(230L, 240L, 250L, 260L, 329L, 330L), 1_000, 230, 100);
    assertEquals(new Chart.Bin(30, 130, 0.0), bins.get(0));
    assertEquals(new Chart.Bin(230, 330, 50.0), bins.get(2), "5 commits in 100 ms: 50/s");
    assertEquals(new Chart.Bin(330, 430, 10.0), bins.get(3));
    assertEquals(new Chart.Bin(930, 1000, 0.0), bins.get(bins.size() - 1), "more than half a bin is kept");
    assertEquals(List.of(new Chart.Bin(0, 100, 10.0)), Chart.bins(List.of(10L, -5L, 2000L), 100, 0, 100),
        "times outside the run are ignored");
    assertEquals(200, Chart.layout(List.of(new Chart.Series("long", 60_000, 20_000, List.of(), List.of(),
        List.of()))).binMs, "a 1-minute run gets wider bins");
  }

  /** Writes the 3-run sample (target/drill-chart-sample.png, or -Dpgpilot.chart.sample=PATH) to look at. */
  @Test
  void sample() throws IOException {
    Path png = Path.of(System.getProperty("pgpilot.chart.sample", "target/drill-chart-sample.png"));
    Chart.Series slow = run("run 3: RTO 3.9 s, 0 lost (promote waited for WAL replay)", 5_000, 10_000, 3_900, 1.6, 3);
    Chart.write("failover drill: primary crash (pg1 killed), writer through pgpool", List.of(RUN_1, RUN_2, slow), png);
    assertTrue(Files.size(png) > 0);
  }

  /** A synthetic run: ~100 commits/s and ~150 reads/s with jitter; commits stop for outageMs from the fault. */
  private static Chart.Series run(String label, long beforeMs, long afterMs, long outageMs, double promoteScale,
      long seed) {
    Random random = new Random(seed);
    long fault = beforeMs;
    long duration = beforeMs + afterMs;
    List<Long> commits = new ArrayList<>();
    for (long t = 3; t < duration; t += 6 + random.nextInt(9)) {
      if (t < fault || t >= fault + outageMs) {
        commits.add(t);
      }
    }
    List<Long> reads = new ArrayList<>();
    long readsBack = fault + outageMs * 2 / 3;
    for (long t = 1; t < duration; t += 4 + random.nextInt(5)) {
      if (t < fault || t >= readsBack) {
        reads.add(t);
      }
    }
    long detected = fault + 280 + random.nextInt(60);
    long decided = detected + 6;
    long fenced = decided + 35 + random.nextInt(20);
    long promoted = fenced + (long) (1_400 * promoteScale);
    long repointed = promoted + 40 + random.nextInt(30);
    long routed = Math.min(repointed + 12 + random.nextInt(10), fault + outageMs - 5);
    List<Chart.Mark> marks = List.of(
        new Chart.Mark("detection", fault, detected),
        new Chart.Mark("decision", detected, decided),
        new Chart.Mark("fence", decided, fenced),
        new Chart.Mark("promote", fenced, promoted),
        new Chart.Mark("re-point", promoted, repointed),
        new Chart.Mark("routing", repointed, routed),
        new Chart.Mark("first commit", fault + outageMs, fault + outageMs));
    return new Chart.Series(label, duration, fault, commits, reads, marks);
  }

  /** Whether the commits' line is drawn in the column of time t, above the zero line. */
  private static boolean commitsDrawnAt(BufferedImage image, Chart.Layout layout, int panel, double t) {
    int x = (int) layout.x(t);
    for (int y = layout.plotTop(panel); y < layout.plotBottom(panel) - 3; y++) {
      if (near(image.getRGB(x, y), Chart.COMMITS.getRGB(), 40)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isFault(int rgb) {
    return near(rgb, Chart.FAULT.getRGB(), 40);
  }

  private static boolean near(int rgb, int other, int distance) {
    int dr = (rgb >> 16 & 0xff) - (other >> 16 & 0xff);
    int dg = (rgb >> 8 & 0xff) - (other >> 8 & 0xff);
    int db = (rgb & 0xff) - (other & 0xff);
    return dr * dr + dg * dg + db * db <= distance * distance;
  }

  private static void assertMessage(String expected, Executable bad) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
    assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' says " + expected);
  }
}
