/// The generator's plan cache, as the daemon's worker uses it: one generator for many photos.
import Foundation
import Testing
import SRGAN
import TestSupport
import Upscaling

@Suite("plan cache", .serialized)
struct PlanCacheTests {
    let generator: Generator

    init() throws {
        generator = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2)
    }

    func run(height: Int, width: Int) throws {
        _ = try generator.run([Float](repeating: 100, count: height * width * 3), height: height, width: width)
    }

    @Test("a size run before is a hit on its plan; a new size is a miss that builds one, and the three most recent stay")
    func hitsAndMisses() throws {
        try run(height: 16, width: 16)
        #expect((generator.planHits, generator.planMisses) == (0, 1))
        try run(height: 16, width: 16)
        #expect((generator.planHits, generator.planMisses) == (1, 1))
        #expect(generator.planCreationNanoseconds > 0)
        for (h, w) in [(16, 20), (20, 16)] { try run(height: h, width: w) }
        try run(height: 16, width: 16)
        #expect((generator.planHits, generator.planMisses) == (2, 3), "16×16 was still among the three most recent")
        try run(height: 20, width: 20)   // evicts the least recently used, 16×20
        try run(height: 16, width: 20)
        #expect((generator.planHits, generator.planMisses) == (2, 5))
        generator.releasePlans()
        try run(height: 16, width: 16)
        #expect(generator.planMisses == 6, "released plans are gone")
    }

    @Test("the cache keeps no more plan pixels than its budget besides the newest plan, so a large plan leaves no small ones behind")
    func boundedByPixels() throws {
        let small = try Generator(contentsOf: TestEnvironment.model("srgan-gan.safetensors"), threads: 2,
                                  planBudgetPixels: 16 * 16 + 16 * 20)
        func run(_ h: Int, _ w: Int) throws {
            _ = try small.run([Float](repeating: 100, count: h * w * 3), height: h, width: w)
        }
        try run(16, 16)
        try run(16, 20)
        #expect(small.cachedPlanCount == 2)
        try run(16, 16)
        #expect((small.planHits, small.planMisses) == (1, 2))
        try run(24, 24)   // as large as the budget: the others go
        #expect(small.cachedPlanCount == 1)
        try run(16, 16)
        #expect((small.planHits, small.planMisses) == (1, 4))
        #expect(small.cachedPlanCount == 1, "256 + 576 pixels pass the budget: 24×24 made room for 16×16")
    }

    /// What the stage clock counts for one photo and then the next, as a worker runs them.
    func upscale(width: Int, height: Int, _ clock: StageClock, streams: Bool = true) throws {
        var source = ArrayRows(width: width, height: height, values: [Float](repeating: 90, count: width * height * 3))
        var sink = ArrayRows(width: width * 4, height: height * 4, values: [])
        var upscaler = TiledUpscaler(tile: 64, overlap: 16)
        upscaler.streams = streams
        try upscaler.run(generator, source: &source, sink: &sink, clock: clock)
    }

    @Test("every tile of a photo runs on one plan, and a later photo whose tiles have the same size reuses it")
    func reusedAcrossPhotos() throws {
        let first = StageClock(), second = StageClock()
        try upscale(width: 100, height: 100, first, streams: false)   // 2×2 tiles of 58×58
        #expect((first.planHits, first.planMisses) == (3, 1))
        try upscale(width: 99, height: 99, second, streams: false)    // 2×2 tiles of 58×58 too
        #expect((second.planHits, second.planMisses) == (4, 0))
        #expect(first.seconds(.network) > 0 && first.seconds(.planCreation) > 0 && second.seconds(.planCreation) == 0)
    }

    @Test("a streamed photo runs on its width's plan, which a later photo of that width and any height reuses")
    func streamedReusedAcrossPhotos() throws {
        let first = StageClock(), second = StageClock(), third = StageClock()
        try upscale(width: 100, height: 100, first)
        #expect((first.planHits, first.planMisses) == (0, 1))
        try upscale(width: 100, height: 70, second)
        #expect((second.planHits, second.planMisses) == (1, 0))
        try upscale(width: 99, height: 100, third)
        #expect((third.planHits, third.planMisses) == (0, 1))
        #expect(first.seconds(.network) > 0 && first.seconds(.planCreation) > 0 && second.seconds(.planCreation) == 0)
    }
}
