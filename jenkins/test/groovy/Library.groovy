import java.lang.annotation.ElementType
import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy
import java.lang.annotation.Target

/** Stands in for Jenkins' @Library annotation, so a Jenkinsfile compiles and loads under plain Groovy. */
@Retention(RetentionPolicy.SOURCE)
@Target([ElementType.FIELD, ElementType.LOCAL_VARIABLE, ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER])
@interface Library {
  String[] value()
}
