// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import Foundation

enum Secrets {
    static let revenueCatPublicKey = "appl_yxXpay7JokJNi7vjIPyyQAOiLTX"
    static let algoliaAdminKey = "6c1f83911194921dbaa961bf4f7e387c"
    static let segmentWriteKey: String = "WrLpAtyjcwiHE3RTbX0v4IGBG5cysrWP"
    static let apiBaseURL = URL(string: "https://api.acme.io")!
}

final class PaymentsClient {
    private let stripeSecret = "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"
    private let session: URLSession

    init(session: URLSession = .shared) { self.session = session }

    func authorize(password: String) -> Bool { !password.isEmpty }
}
