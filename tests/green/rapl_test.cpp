#include "evergreen/green/rapl.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "test_support.h"

namespace evergreen {
namespace {

using testing::TemporaryDirectory;
using testing::write_text;

// A typical package's range: 2^38 microjoules rounded as the kernel reports it (~262 kJ).
constexpr uint64_t kMaxRange = 262143328850;

TEST(RaplTest, DeltaWithoutWrap) {
  EXPECT_EQ(rapl_delta(100, 250, 1000), 150u);
  EXPECT_EQ(rapl_delta(400, 400, 1000), 0u);
}

TEST(RaplTest, DeltaAcrossOneWrap) {
  EXPECT_EQ(rapl_delta(900, 50, 1000), 150u);  // 1000 - 900 + 50
  EXPECT_EQ(rapl_delta(kMaxRange - 10, 5, kMaxRange), 15u);
}

TEST(RaplTest, ReadingAboveTheRangeCountsFromZero) { EXPECT_EQ(rapl_delta(5000, 20, 1000), 20u); }

// A powercap tree as the kernel lays it out: the control type directory, two packages, a
// sub-zone of package 0 and a psys domain; only the two packages must count.
class FakePowercap {
 public:
  FakePowercap() {
    std::filesystem::create_directories(root_.file("intel-rapl"));
    zone("intel-rapl:0", "package-0", 1000000);
    zone("intel-rapl:0:0", "core", 500000);
    zone("intel-rapl:1", "package-1", kMaxRange - 328850);
    zone("intel-rapl:2", "psys", 7000000);
  }
  void zone(const std::string& directory, const std::string& name, uint64_t energy_uj) {
    std::filesystem::create_directories(root_.file(directory));
    write_text(root_.file(directory + "/name"), name + "\n");
    write_text(root_.file(directory + "/max_energy_range_uj"), std::to_string(kMaxRange) + "\n");
    set(directory, energy_uj);
  }
  void set(const std::string& directory, uint64_t energy_uj) {
    write_text(root_.file(directory + "/energy_uj"), std::to_string(energy_uj) + "\n");
  }
  const std::string& path() const { return root_.path(); }
  std::string file(const std::string& name) const { return root_.file(name); }

 private:
  TemporaryDirectory root_;
};

TEST(RaplTest, FindsOnlyTopLevelPackages) {
  FakePowercap powercap;
  RaplReader reader(powercap.path());
  ASSERT_TRUE(reader.available());
  ASSERT_EQ(reader.domains().size(), 2u);
  EXPECT_EQ(reader.domains()[0], powercap.file("intel-rapl:0"));
  EXPECT_EQ(reader.domains()[1], powercap.file("intel-rapl:1"));
  EXPECT_DOUBLE_EQ(reader.read_joules(), 0.0);
}

TEST(RaplTest, SumsPackagesAndHandlesWrapAround) {
  FakePowercap powercap;
  RaplReader reader(powercap.path());
  ASSERT_TRUE(reader.available());
  powercap.set("intel-rapl:0", 3500000);      // +2.5 J
  powercap.set("intel-rapl:1", 671150);       // wrapped: 328850 + 671150 uJ = +1 J
  powercap.set("intel-rapl:0:0", 900000000);  // sub-zone: ignored
  powercap.set("intel-rapl:2", 900000000);    // psys: ignored
  EXPECT_NEAR(reader.read_joules(), 3.5, 1e-12);
  powercap.set("intel-rapl:0", 4000000);  // +0.5 J
  EXPECT_NEAR(reader.read_joules(), 4.0, 1e-12);
  EXPECT_NEAR(reader.read_joules(), 4.0, 1e-12);  // no progress, no energy
}

TEST(RaplTest, ZoneWithoutANameFileCounts) {
  TemporaryDirectory root;
  std::filesystem::create_directories(root.file("intel-rapl:0"));
  write_text(root.file("intel-rapl:0/max_energy_range_uj"), "1000\n");
  write_text(root.file("intel-rapl:0/energy_uj"), "900\n");
  RaplReader reader(root.path());
  ASSERT_TRUE(reader.available());
  write_text(root.file("intel-rapl:0/energy_uj"), "100\n");  // wrapped: 1000 - 900 + 100
  EXPECT_NEAR(reader.read_joules(), 200e-6, 1e-15);
}

TEST(RaplTest, MissingTreeIsNotAvailable) {
  TemporaryDirectory empty;
  EXPECT_FALSE(RaplReader(empty.path()).available());
  EXPECT_FALSE(RaplReader(empty.file("no-such-directory")).available());
  RaplReader absent(empty.path());
  EXPECT_DOUBLE_EQ(absent.read_joules(), 0.0);
}

// A counter that cannot be read makes the whole reader unavailable: half the packages would be
// a wrong answer that looks right. A directory in place of the file is unreadable even to root.
TEST(RaplTest, UnreadableCounterIsNotAvailable) {
  FakePowercap powercap;
  std::filesystem::remove(powercap.file("intel-rapl:1/energy_uj"));
  std::filesystem::create_directories(powercap.file("intel-rapl:1/energy_uj"));
  EXPECT_FALSE(RaplReader(powercap.path()).available());
}

TEST(RaplTest, PermissionDeniedIsNotAvailable) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  FakePowercap powercap;
  ASSERT_EQ(chmod(powercap.file("intel-rapl:0/energy_uj").c_str(), 0), 0);
  EXPECT_FALSE(RaplReader(powercap.path()).available());
}

TEST(RaplTest, GarbageCounterIsNotAvailable) {
  FakePowercap powercap;
  write_text(powercap.file("intel-rapl:0/energy_uj"), "twelve\n");
  EXPECT_FALSE(RaplReader(powercap.path()).available());
}

}  // namespace
}  // namespace evergreen
