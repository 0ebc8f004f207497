#!/usr/bin/env bash
# bench/gpu/bundle.sh: packs what the GPU check needs into one archive for a GPU machine that has
# nvcc, g++ and python3 but no JDK, no Maven and no network (the lent device machines): a jlink'ed
# Java runtime, the engine's command-line jars (the ops CLI with only the jars its engine commands
# load), the engine-cuda test classes with JUnit, a small JUnit launcher (RunTests.java) and the
# golden folders. Writes .gpu/bundle.tar.xz (about 40 MB); bench/gpu/device.sh unpacks and runs it.
#   bench/gpu/bundle.sh [GOLDEN_DIR [OLD_JARS_DIR]]
# GOLDEN_DIR defaults to ../shared/golden beside the checkout; OLD_JARS_DIR, a folder with a
# previous build's longhaul-engine, -engine-cuda and -ops jars, adds that build for side-by-side
# timings.
# Needs a JDK 22+ (JAVA_HOME) and a build of the project (mvn install -DskipTests -DskipITs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
GOLDEN="${1:-$ROOT/../shared/golden}"
OLD_JARS="${2:-}"
JAVA_HOME="${JAVA_HOME:?set JAVA_HOME to a JDK 22+}"
STAGE=".gpu/stage"
rm -rf "$STAGE" && mkdir -p "$STAGE/lib" "$STAGE/test"

# The runtime: the modules jdeps finds in these jars, and the incubating Vector API.
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.incubator.vector,jdk.management,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --strip-native-debug-symbols=objcopy="$(command -v objcopy)" \
  --output "$STAGE/jre" 2> >(grep -v "incubator modules" >&2)

# The CLI: the ops jar and the jars the engine commands (golden, generate, model synth, bench
# engine) load; Kafka, Avro, Hadoop and the rest are never touched by them.
LIB="ops/target/lib"
STAMP="dev/longhaul/engine/cuda/longhaul_kernels.sha256"
if [[ "$(unzip -p "$LIB"/longhaul-engine-cuda-0*[0-9T].jar "$STAMP")" != "$(cat "engine-cuda/src/main/resources/$STAMP")" ]]; then
  echo "the build's kernels are not this checkout's: run mvn install -DskipTests -DskipITs first" >&2
  exit 1
fi
cp ops/target/longhaul-ops-*[0-9T].jar "$STAGE/lib/"
for jar in longhaul-engine-0 longhaul-engine-cuda-0 longhaul-ingest-0 longhaul-schemas-0 longhaul-sinks-0 longhaul-pipeline-0 picocli- jackson- api-0 gson- error_prone jna- commons-compress- commons-codec- commons-io- commons-lang3- slf4j-api- slf4j-nop- jcuda-1 jspecify-; do
  cp "$LIB"/"$jar"*.jar "$STAGE/lib/"
done
# Two jars carry natives for every platform; keep linux-x86_64's (and only JCuda's driver binding).
slim() { # JAR PATTERN...: delete the entries matching the patterns
  local jar="$1"; shift
  cp "$jar" "$STAGE/lib/$(basename "$jar")"
  zip -q -d "$STAGE/lib/$(basename "$jar")" "$@" > /dev/null
}
slim "$LIB"/tokenizers-*.jar 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*'
slim "$LIB"/jcuda-natives-*.jar 'lib/libJNvPTXCompiler*' 'lib/libJCudaRuntime*' 'lib/libJNvrtc*' 'lib/libJNvJitLink*'

# The gpu tests: engine-cuda's test classes, the engine's test jar (contract suite, fixtures), JUnit.
M2="${M2_REPO:-$HOME/.m2/repository}" # Maven's local repository
(cd engine-cuda/target/test-classes && zip -q -r "$ROOT/$STAGE/test/engine-cuda-tests.jar" .)
cp engine/target/longhaul-engine-*-tests.jar "$STAGE/test/"
JUNIT="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -n 1)"
[[ -n "$JUNIT" ]] || JUNIT="$(basename "$(ls -d "$M2"/org/junit/jupiter/junit-jupiter-api/* | sort -V | tail -n 1)")"
for a in jupiter/junit-jupiter-api jupiter/junit-jupiter-params jupiter/junit-jupiter-engine platform/junit-platform-commons platform/junit-platform-engine platform/junit-platform-launcher; do
  cp "$M2/org/junit/$a/$JUNIT/$(basename "$a")-$JUNIT.jar" "$STAGE/test/"
done
for a in org/opentest4j/opentest4j org/apiguardian/apiguardian-api; do
  cp "$(ls "$M2"/$a/*/*.jar | sort -V | tail -n 1)" "$STAGE/test/"
done
"$JAVA_HOME/bin/javac" -d "$STAGE/test/classes" -cp "$STAGE/test/*" bench/gpu/RunTests.java

# A previous build to time side by side (device.sh compare): its engine, engine-cuda and ops jars,
# and its kernels' fatbin.
if [[ -n "$OLD_JARS" ]]; then
  mkdir -p "$STAGE/old"
  for jar in "$OLD_JARS"/longhaul-engine-0*.jar "$OLD_JARS"/longhaul-engine-cuda-0*.jar "$OLD_JARS"/longhaul-ops-0*.jar; do
    [[ "$jar" == *-tests.jar || "$jar" == *-sources.jar ]] || cp "$jar" "$STAGE/old/"
  done
  unzip -q -p "$STAGE"/old/longhaul-engine-cuda-0*.jar dev/longhaul/engine/cuda/longhaul_kernels.fatbin \
    > "$STAGE/old/longhaul_kernels.fatbin"
fi

# The golden folders (tests read them through -Dlonghaul.golden.dir).
mkdir -p "$STAGE/golden"
cp -r "$GOLDEN"/minimax-tiny* "$STAGE/golden/"

tar -C "$STAGE" -cJf .gpu/bundle.tar.xz .
rm -rf "$STAGE"
ls -l .gpu/bundle.tar.xz
