import Foundation
import Hipcall
import Testing

/// The configuration's API root and what its description shows.
@Suite struct ConfigurationTests {
    @Test(arguments: ["https://use.hipcall.com", "https://use.hipcall.com/", "https://use.hipcall.com/api/v3", "https://use.hipcall.com/api/v3/", " https://use.hipcall.com/API/v3// "])
    func theAPIRootIsTheSameWithOrWithoutTheAPIPath(_ baseURL: String) {
        #expect(HipcallConfiguration(baseURL: baseURL, token: HipcallToken("t")).apiRoot == "https://use.hipcall.com/api/v3")
    }

    @Test func aPasswordInTheBaseURLIsNeverShown() {
        let configuration = HipcallConfiguration(baseURL: "https://ops:s3cr3t-pw@proxy.example.com/hipcall", token: HipcallToken("t"))
        #expect(configuration.displayedAPIRoot == "https://<redacted>@proxy.example.com/hipcall/api/v3")
        #expect(!configuration.description.contains("s3cr3t-pw"))
        #expect(configuration.apiRoot.contains("s3cr3t-pw"), "requests still use it")
    }

    @Test func theTokenIsNeverShown() {
        let token = HipcallToken("tok-s3cr3t")
        let configuration = HipcallConfiguration(baseURL: "https://use.hipcall.com", token: token)
        for text in [configuration.description, configuration.debugDescription, "\(token)", String(reflecting: token)] {
            #expect(!text.contains("tok-s3cr3t"), "\(text)")
        }
        #expect("\(token)" == "<redacted>")
    }
}
